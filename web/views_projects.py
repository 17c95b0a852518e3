"""The project database: projects, bodies, networks and institutions the documents mention.

Built from the search's ``org`` facet (so visibility is the search's) and the entity catalogue
(kind, city, aliases); topics from the topics' searches.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from index.search import SearchRequest
from kb.entity_catalogue import EntityCatalogue
from kb.viewer import Viewer
from web.access import viewer_of
from web.api import DocumentRef, ServicesDep
from web.i18n import german_key
from web.pages import render
from web.services import Services
from web.topics import CITY_STATES, TOPICS, search_topic
from web.views_common import switch_link

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


def project_database(services: Services, viewer: Viewer) -> list[ProjectOut]:
    """Organisations of the documents the asker may see, most mentioned first."""
    counts = services.search.search(SearchRequest("", viewer=viewer, per_page=1)).facets["org"]
    in_topics: dict[str, set[str]] = {}
    for name in TOPICS:
        for org in search_topic(services.search, name, viewer, per_page=1).facets["org"]:
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
        refs = []
        for doc_id in catalogue.documents(entity, viewer)[:DOCUMENTS_SHOWN]:
            doc = services.store.document(doc_id)
            if doc is not None:
                refs.append(
                    DocumentRef(
                        id=doc_id, url=doc.url, title=doc.title, kind=doc.kind, date=doc.date
                    )
                )
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


def matching(
    projects: list[ProjectOut], city: str, state: str, topic: str, q: str, kind: str
) -> list[ProjectOut]:
    """The projects that pass every given filter; ``q`` is part of the name or an alias."""
    needle = german_key(q.strip())
    return [
        p
        for p in projects
        if (not city or p.city == city)
        and (not state or p.state == state)
        and (not topic or topic in p.topics)
        and (not kind or p.kind == kind)
        and (not needle or any(needle in german_key(n) for n in (p.name, *p.aliases)))
    ]


router = APIRouter()
CityQ = Annotated[str, Query(max_length=100, description="City of the organisation.")]
StateQ = Annotated[str, Query(max_length=100, description="Federal state of its city.")]
TopicQ = Annotated[str, Query(max_length=100, description="One of the eleven topics.")]
NameQ = Annotated[str, Query(max_length=200, description="Part of its name or an alias.")]
KindQ = Annotated[str, Query(max_length=50, description="project, body, network, police, …")]


@router.get("/api/projects", response_model=ProjectList, tags=["projects"])
async def api_projects(
    services: ServicesDep,
    request: Request,
    city: CityQ = "",
    state: StateQ = "",
    topic: TopicQ = "",
    q: NameQ = "",
    kind: KindQ = "",
) -> ProjectList:
    """Projects and organisations with their city, state, topics and documents."""
    everything = project_database(services, viewer_of(request))
    found = matching(everything, city, state, topic, q, kind)
    return ProjectList(total=len(found), projects=found)


@router.get("/projekte", response_class=HTMLResponse, include_in_schema=False)
async def projects_page(
    services: ServicesDep,
    request: Request,
    city: CityQ = "",
    state: StateQ = "",
    topic: TopicQ = "",
    q: NameQ = "",
    kind: KindQ = "",
) -> Any:
    everything = project_database(services, viewer_of(request))
    found = matching(everything, city, state, topic, q, kind)
    return render(
        request,
        "projects.html",
        {
            "projects": found,
            "chosen": {"city": city, "state": state, "topic": topic, "q": q, "kind": kind},
            "cities": sorted({p.city for p in everything if p.city}, key=german_key),
            "states": sorted({p.state for p in everything if p.state}, key=german_key),
            "kinds": sorted({p.kind for p in everything if p.kind}),
            "topics": list(TOPICS),
            "switch_link": switch_link(request),
        },
    )
