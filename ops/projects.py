"""The project database: projects, bodies, networks and institutions the documents mention.

Built from the search's ``org`` facet (so visibility is the search's) and the entity catalogue
(kind, city, aliases); topics from the documents' labels, counted in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from index.search import SearchRequest
from kb.entity_catalogue import EntityCatalogue
from kb.formatting import german_key, typed_key
from kb.viewer import Viewer
from ops.documents import DocumentRef, ref
from ops.services import Services
from ops.topics import CITY_STATES, topic_organisations

DOCUMENTS_SHOWN = 5


class ProjectOut(BaseModel):
    id: int
    name: str
    kind: str
    """The catalogue's kind (project, body, network, police, …); empty when found in texts."""
    city: str | None
    state: str | None
    aliases: list[str]
    topics: list[str]
    document_count: int
    documents: list[DocumentRef]
    """The newest documents that mention it (at most five; the entity page lists all)."""


class ProjectList(BaseModel):
    total: int
    projects: list[ProjectOut]


def _city(name: str, city: str | None, member_cities: frozenset[str]) -> str | None:
    """The catalogue's city, else a member city the name ends with ("Polizeipräsidium Essen")."""
    if city:
        return city
    return next((c for c in sorted(member_cities) if name.endswith(" " + c)), None)


def database(services: Services, viewer: Viewer) -> list[ProjectOut]:
    """Organisations of the documents the asker may see, most mentioned first."""
    key = ("projects", viewer.sees_members_only)
    return services.views.get(key, lambda: _database(services, viewer))


def _database(services: Services, viewer: Viewer) -> list[ProjectOut]:
    counts = services.search.search(SearchRequest("", viewer=viewer, per_page=1)).facets["org"]
    in_topics: dict[str, set[str]] = {}
    for name, orgs in topic_organisations(services.search, viewer).items():
        for org in orgs:
            in_topics.setdefault(org, set()).add(name)
    catalogue = EntityCatalogue(services.store)
    member_cities = catalogue.member_cities()
    ids = catalogue.ids((name, "ORG") for name in counts)
    found = []
    for name, count in counts.items():
        entity = catalogue.get(ids[(name, "ORG")]) if (name, "ORG") in ids else None
        if entity is None or entity.blocked:
            continue
        where = _city(name, entity.city, member_cities)
        shown = catalogue.documents(entity, viewer)[:DOCUMENTS_SHOWN]
        refs = [ref(d) for d in (services.store.document(i) for i in shown) if d is not None]
        found.append(
            ProjectOut(
                id=entity.id,
                name=name,
                kind=entity.kind,
                city=where,
                state=CITY_STATES.get(where or ""),
                aliases=list(entity.aliases),
                topics=sorted(in_topics.get(name, ()), key=german_key),
                document_count=count,
                documents=refs,
            )
        )
    return found


@dataclass(frozen=True)
class ProjectFilter:
    """What a visitor narrows the database by; empty means any."""

    city: str = ""
    state: str = ""
    topic: str = ""
    q: str = ""  # part of the name or an alias
    kind: str = ""


def matching(projects: list[ProjectOut], chosen: ProjectFilter) -> list[ProjectOut]:
    """The projects that pass every given filter; a city, a state and a name may be typed in
    any case and with umlauts spelt out or not ("koeln", "Praevention", "Pravention")."""
    city, state, q = typed_key(chosen.city), typed_key(chosen.state), chosen.q.strip()
    needles = (german_key(q), typed_key(q))
    return [
        p
        for p in projects
        if (not city or typed_key(p.city or "") == city)
        and (not state or typed_key(p.state or "") == state)
        and (not chosen.topic or chosen.topic in p.topics)
        and (not chosen.kind or p.kind == chosen.kind)
        and (not q or any(_contains(n, needles) for n in (p.name, *p.aliases)))
    ]


def _contains(name: str, needles: tuple[str, str]) -> bool:
    by_letter, spelt_out = needles
    return by_letter in german_key(name) or spelt_out in typed_key(name)
