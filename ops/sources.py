"""The sources the crawler visits: one validation (the catalogue's rules) whether staff use the
web form, ``kb source …`` or a ``sources.toml``; every change is audited and reaches the
scheduler of this process at once (others pick it up within minutes, see `ops.jobs`).

    >>> add(services, actor, {"name": "essen-news", "url": "https://…/feed.xml", "kind": "news"})
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from crawler.catalogue import CatalogueError, load_catalogue, validate_entry
from kb.store import Source
from kb.viewer import Viewer
from ops import jobs
from ops.errors import InvalidError, NotFoundError
from ops.services import Services


def validate(given: dict[str, Any]) -> Source:
    """A source from its settings (unset ones take their defaults); `InvalidError` lists every
    problem."""
    try:
        return validate_entry({k: v for k, v in given.items() if v is not None})
    except CatalogueError as exc:
        raise InvalidError(*exc.reason.split("; ")) from exc


def get(services: Services, name: str) -> Source:
    source = services.store.source(name)
    if source is None:
        raise NotFoundError("source", name)
    return source


def add(services: Services, actor: Viewer, given: dict[str, Any], update: bool = False) -> Source:
    """Add a source; with ``update`` (the command line's contract) one of the same name is
    replaced, else refused."""
    source = validate(given)
    old = services.store.source(source.name)
    if old is not None and not update:
        raise InvalidError(f"name: Eine Quelle namens {source.name} gibt es schon.")
    services.store.add_source(source)
    jobs.follow_sources(services)
    services.audit(actor, "source.add", source.name, url=source.url, kind=source.kind)
    return source


def edit(services: Services, actor: Viewer, name: str, changes: dict[str, Any]) -> Source:
    """Change the settings named in ``changes`` (None unsets one: its default applies); the
    others, and whether the source is enabled, stay."""
    old = get(services, name)
    given = {**asdict(old), **changes, "name": name}
    changed = replace(validate(given), enabled=old.enabled)
    services.store.add_source(changed)
    jobs.follow_sources(services)
    differences = {k: v for k, v in asdict(changed).items() if getattr(old, k) != v}
    services.audit(actor, "source.edit", name, **differences)
    return changed


def set_enabled(services: Services, actor: Viewer, name: str, enabled: bool) -> Source:
    source = replace(get(services, name), enabled=enabled)
    services.store.add_source(source)
    jobs.follow_sources(services)
    services.audit(actor, "source.enable" if enabled else "source.disable", name)
    return source


def remove(services: Services, actor: Viewer, name: str) -> None:
    """Forget a source; what was crawled from it stays searchable."""
    if not services.store.remove_source(name):
        raise NotFoundError("source", name)
    jobs.follow_sources(services)
    services.audit(actor, "source.remove", name)


def import_catalogue(services: Services, actor: Viewer, path: Path | None) -> list[Source]:
    """Add or update every source of a catalogue file (default: the shipped one)."""
    try:
        sources = load_catalogue(path)
    except CatalogueError as exc:
        raise InvalidError(str(exc)) from exc
    for source in sources:
        services.store.add_source(source)
    jobs.follow_sources(services)
    services.audit(actor, "source.import", str(path or "sources.toml"), sources=len(sources))
    return sources
