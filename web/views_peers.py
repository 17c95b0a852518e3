"""Peer practices: what member cities do on a topic, and the topics of one city.

The city of a document is the search's ``city`` facet (its source's city, or the member cities
it mentions); a document's topic is its collection or a match of the topic's query.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from index.search import Hit, SearchRequest
from kb.entity_catalogue import EntityCatalogue
from kb.viewer import Viewer
from web.access import viewer_of
from web.api import DocumentRef, ServicesDep
from web.charts import matrix_chart, year_chart
from web.i18n import german_key
from web.pages import render, ui_language
from web.services import Services
from web.topics import CITY_STATES, TOPICS, search_topic, topic_cities, topic_query
from web.views_common import switch_link

NAMES_SHOWN = 8


class PeerCity(BaseModel):
    city: str
    state: str | None
    document_count: int
    documents: list[DocumentRef]
    """The newest documents of the city on the topic."""
    projects: list[str]
    organisations: list[str]
    people: list[str]


class PeersOut(BaseModel):
    topic: str
    query: str
    total: int
    cities: list[PeerCity]


class TopicActivity(BaseModel):
    topic: str
    documents: int
    network_average: float
    """Documents on the topic per member city, over the whole network."""
    active_cities: int


class CityTopicsOut(BaseModel):
    city: str
    state: str | None
    topics: list[TopicActivity]


def _ref(hit: Hit) -> DocumentRef:
    day = date.fromisoformat(hit.date) if hit.date else None
    return DocumentRef(id=hit.id, url=hit.url, title=hit.title, kind=hit.kind, date=day)


def peers(services: Services, topic: str, viewer: Viewer) -> PeersOut:
    """City by city: who has documents on the topic, with what projects and which people."""
    overall = search_topic(services.search, topic, viewer, per_page=1)
    cities = sorted(overall.facets["city"].items(), key=lambda p: (-p[1], german_key(p[0])))
    rows = []
    for city, count in cities:
        found = search_topic(services.search, topic, viewer, filters={"city": [city]})
        projects = list(found.facets["project"])
        rows.append(
            PeerCity(
                city=city,
                state=CITY_STATES.get(city),
                document_count=count,
                documents=[_ref(hit) for hit in found.hits],
                projects=projects[:NAMES_SHOWN],
                organisations=[o for o in found.facets["org"] if o not in projects][:NAMES_SHOWN],
                people=list(found.facets["person"])[:NAMES_SHOWN],
            )
        )
    return PeersOut(topic=topic, query=overall.query, total=overall.total, cities=rows)


def _network(services: Services, counts: dict[str, dict[str, int]]) -> list[str]:
    """The network's cities: the member cities and every city a topic counts."""
    seen = {city for per_city in counts.values() for city in per_city}
    return sorted(seen | EntityCatalogue(services.store).member_cities(), key=german_key)


def city_topics(services: Services, city: str, viewer: Viewer) -> CityTopicsOut | None:
    """A city's documents per topic against the average member city; ``None`` for a city that
    is neither a member nor counted in any topic."""
    counts = topic_cities(services.search, viewer)
    network = _network(services, counts)
    if city not in network:
        return None
    activities = [
        TopicActivity(
            topic=topic,
            documents=per_city.get(city, 0),
            network_average=round(sum(per_city.values()) / len(network), 2),
            active_cities=len(per_city),
        )
        for topic, per_city in counts.items()
    ]
    return CityTopicsOut(city=city, state=CITY_STATES.get(city), topics=activities)


router = APIRouter()
TopicQ = Annotated[
    str, Query(max_length=200, description="One of the eleven topics, or a free query.")
]


@router.get("/api/peers", response_model=PeersOut, tags=["peers"])
async def api_peers(services: ServicesDep, request: Request, topic: TopicQ) -> PeersOut:
    return peers(services, topic, viewer_of(request))


@router.get(
    "/api/peers/cities/{city}",
    response_model=CityTopicsOut,
    responses={404: {"description": "Neither a member city nor a city of any document"}},
    tags=["peers"],
)
async def api_peer_city(
    services: ServicesDep, request: Request, city: Annotated[str, Path(max_length=100)]
) -> CityTopicsOut:
    found = city_topics(services, city, viewer_of(request))
    if found is None:
        raise HTTPException(status_code=404, detail="city not found")
    return found


def _search_link(query: str, **filters: str) -> str:
    return "/?" + urlencode({"q": query, **filters})


@router.get("/praxis", response_class=HTMLResponse, include_in_schema=False)
async def peers_page(
    services: ServicesDep, request: Request, topic: TopicQ = "", q: TopicQ = ""
) -> Any:
    ui = ui_language(request)
    viewer = viewer_of(request)
    counts = topic_cities(services.search, viewer)
    cities = [c for c in _network(services, counts) if any(c in n for n in counts.values())]
    matrix = matrix_chart(
        list(TOPICS),
        cities,
        {(t, c): n for t, per_city in counts.items() for c, n in per_city.items()},
        lambda t, c: "/praxis?" + urlencode({"topic": t}) + "#stadt-" + c,
        ui,
    )
    chosen = q.strip() or topic
    result = peers(services, chosen, viewer) if chosen else None
    years = ""
    if result is not None:
        # The chart counts what its bars link to: the search for the topic's query.
        by_year = services.search.search(SearchRequest(result.query, viewer=viewer, per_page=1))
        years = year_chart(by_year.facets["year"], lambda y: _search_link(result.query, year=y), ui)
    return render(
        request,
        "peers.html",
        {
            "topics": list(TOPICS),
            "topic": topic if not q.strip() else "",
            "q": q.strip(),
            "result": result,
            "query": topic_query(chosen) if chosen else "",
            "matrix": matrix,
            "years": years,
            "search_link": _search_link,
            "switch_link": switch_link(request),
        },
    )


@router.get("/praxis/stadt/{city}", response_class=HTMLResponse, include_in_schema=False)
async def peer_city_page(
    services: ServicesDep, request: Request, city: Annotated[str, Path(max_length=100)]
) -> Any:
    found = city_topics(services, city, viewer_of(request))
    if found is None:
        return render(request, "error.html", {"message_key": "peers.unknown_city"}, status=404)
    most = max([a.documents for a in found.topics] + [a.network_average for a in found.topics])
    return render(
        request,
        "peer_city.html",
        {
            "found": found,
            "most": most or 1,
            "search_link": lambda topic: _search_link(topic_query(topic), city=city),
            "switch_link": switch_link(request),
        },
    )
