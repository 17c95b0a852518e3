"""``kb entity …`` and ``kb synonym …``: curating the catalogue and the synonyms; every change
is re-applied, indexed and audited by `ops.curation`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer

from cli.common import actor, commands, services

if TYPE_CHECKING:
    from ops.curation import Curated

entity_app = commands("Curate the entity catalogue; changes re-apply to stored documents.")
synonym_app = commands("Curate the synonyms and acronyms the search applies to queries.")
Label = Literal["PER", "ORG", "LOC"]


def _print(curated: Curated) -> None:
    entity = curated.entity
    aliases = f" (aliases: {', '.join(entity.aliases)})" if entity.aliases else ""
    state = " [blocked]" if entity.blocked else ""
    typer.echo(f"{entity.label} {entity.name}{aliases}{state}")
    typer.echo(f"re-applied to {curated.changed} documents")


@entity_app.command("add")
def entity_add(
    name: str,
    label: Annotated[Label, typer.Option()],
    alias: Annotated[list[str] | None, typer.Option(help="Another way texts write it.")] = None,
    kind: Annotated[str, typer.Option(help="e.g. city, police, project, person.")] = "",
    city: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add an entity (or update its kind, city and aliases)."""
    from kb.model import CatalogueEntry
    from ops import curation

    entry = CatalogueEntry(name, label, kind, tuple(alias or ()), city)
    _print(curation.add_entity(services(), actor(), entry))


@entity_app.command("alias")
def entity_alias(
    name: str, alias: str, label: Annotated[Label | None, typer.Option()] = None
) -> None:
    """Teach another name of an entity (an acronym, an inflected or English form)."""
    from ops import curation

    _print(curation.add_alias(services(), actor(), name, alias, label))


@entity_app.command("merge")
def entity_merge(
    source: str, target: str, label: Annotated[Label | None, typer.Option()] = None
) -> None:
    """Merge SOURCE into TARGET: SOURCE and its aliases become aliases of TARGET."""
    from ops import curation

    _print(curation.merge(services(), actor(), source, target, label))


@entity_app.command("block")
def entity_block(name: str, label: Annotated[Label | None, typer.Option()] = None) -> None:
    """Never report NAME as an entity again."""
    from ops import curation

    _print(curation.block(services(), actor(), name, label))


@synonym_app.command("add")
def synonym_add(
    variants: Annotated[list[str], typer.Argument(help="Two or more variants.")],
) -> None:
    """Make the variants find each other ("DPT" "Deutscher Präventionstag" …)."""
    from ops import curation

    typer.echo(" = ".join(curation.add_synonyms(services(), actor(), variants)))


@synonym_app.command("remove")
def synonym_remove(term: str) -> None:
    """Take a variant out of its group."""
    from ops import curation

    curation.remove_synonym(services(), actor(), term)
    typer.echo(f"removed {term}")


@synonym_app.command("list")
def synonym_list() -> None:
    """One group per line."""
    from ops import curation

    for group in curation.synonym_groups(services()):
        typer.echo(" = ".join(group))
