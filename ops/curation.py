"""Curating the entity catalogue and the search's synonyms, whoever asks: every change is
re-applied to the stored documents it concerns, indexed and written to the audit log.

    >>> curated = add_alias(services, actor, "Deutscher Präventionstag", "DPT", None)
    >>> curated.changed  # documents whose entities changed
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from index.synonyms import SynonymTable
from kb.curation import reapply
from kb.entity_catalogue import AcronymCandidate, Entity, EntityCatalogue
from kb.errors import EntityError
from kb.model import CatalogueEntry
from kb.viewer import Viewer
from ops.errors import InvalidError
from ops.services import Services


@dataclass(frozen=True)
class Curated:
    entity: Entity
    changed: int  # stored documents whose entities changed


def _curate(
    services: Services,
    actor: Viewer,
    action: str,
    change: Callable[[EntityCatalogue], Entity],
    forms: Callable[[Entity], list[str]],
) -> Curated:
    """Apply ``change`` to the catalogue, then re-extract the documents that contain any of
    the ``forms`` concerned, index them and audit."""
    try:
        entity = change(services.catalogue())
    except EntityError as exc:
        raise InvalidError(str(exc)) from exc
    concerned = forms(entity)
    changed = reapply(services.store, services.fresh_extractor(), concerned)
    services.sync()
    target = f"{entity.label} {entity.name}"
    services.audit(actor, action, target, forms=concerned, changed=changed)
    return Curated(entity, changed)


def _all_names(entity: Entity) -> list[str]:
    return [entity.name, *entity.aliases]


def add_entity(services: Services, actor: Viewer, entry: CatalogueEntry) -> Curated:
    """Add an entity, or update the kind, city and aliases of one."""
    return _curate(services, actor, "entity.add", lambda c: c.add(entry), _all_names)


def add_alias(
    services: Services, actor: Viewer, name: str, alias: str, label: str | None
) -> Curated:
    """Teach another way texts write an entity (acronym, inflected or English form)."""
    return _curate(
        services,
        actor,
        "entity.alias",
        lambda c: c.add_alias(name, alias, label),
        lambda _: [alias],
    )


def merge(
    services: Services, actor: Viewer, source: str, target: str, label: str | None
) -> Curated:
    """``source`` and its aliases become aliases of ``target``."""
    return _curate(
        services,
        actor,
        "entity.merge",
        lambda c: c.merge(source, target, label),
        lambda entity: [source, *entity.aliases],
    )


def block(services: Services, actor: Viewer, name: str, label: str | None) -> Curated:
    """Never report ``name`` as an entity again."""
    return _curate(services, actor, "entity.block", lambda c: c.block(name, label), _all_names)


def acronym_candidates(services: Services) -> list[AcronymCandidate]:
    """Acronyms texts define for an entity, not yet its alias nor dismissed."""
    return services.catalogue().acronym_candidates()


def accept_acronym(services: Services, actor: Viewer, alias: str, name: str, label: str) -> Curated:
    """A candidate becomes an alias of its entity, found from now on in every text."""
    return _curate(
        services,
        actor,
        "entity.accept_acronym",
        lambda c: c.accept_acronym(alias, name, label),
        lambda _: [alias],
    )


def dismiss_acronym(services: Services, actor: Viewer, alias: str, name: str, label: str) -> None:
    """Never offer the candidate again; the texts that define it keep it for themselves."""
    services.catalogue().dismiss_acronym(alias, name, label)
    services.audit(actor, "entity.dismiss_acronym", f"{label} {name}", alias=alias)


def find_entities(services: Services, query: str) -> list[Entity]:
    """Entities whose name or alias contains ``query`` (the staff's catalogue search)."""
    return services.catalogue().search(query.strip()) if query.strip() else []


# -- synonyms --------------------------------------------------------------------------------


def add_synonyms(services: Services, actor: Viewer, variants: list[str]) -> tuple[str, ...]:
    """Make the variants find each other; returns their whole group."""
    if len(variants) < 2:
        raise InvalidError("give at least two variants")
    group = SynonymTable(services.store).add(variants)
    services.audit(actor, "synonym.add", " = ".join(group))
    return group


def remove_synonym(services: Services, actor: Viewer, term: str) -> None:
    """Take a variant out of its group."""
    if not SynonymTable(services.store).remove(term):
        raise InvalidError(f"{term!r} is in no synonym group")
    services.audit(actor, "synonym.remove", term)


def synonym_groups(services: Services) -> tuple[tuple[str, ...], ...]:
    return SynonymTable(services.store).synonyms().groups
