"""Peer practices: ``/praxis`` (what member cities do on a topic, with a city × topic
matrix), ``/praxis/stadt/{city}`` (a city's topics against the network) and their API."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ops import peers
from ops.peers import CityTopicsOut, PeersOut
from ops.search import SearchRequest, search
from ops.topics import TOPICS, topic_name, topic_params, topic_request
from web.charts import matrix_chart, year_chart
from web.deps import ServicesDep, ViewerDep
from web.rendering import render, ui_language

router = APIRouter()
TopicQ = Annotated[str, Query(max_length=200, description="One of the topics, or a free query.")]
City = Annotated[str, Path(max_length=100)]


@router.get("/api/peers", response_model=PeersOut, tags=["peers"])
def api_peers(services: ServicesDep, viewer: ViewerDep, topic: TopicQ) -> PeersOut:
    return peers.peers(services, topic, viewer)


@router.get(
    "/api/peers/cities/{city}",
    response_model=CityTopicsOut,
    responses={404: {"description": "Neither a member city nor a city of any document"}},
    tags=["peers"],
)
def api_peer_city(services: ServicesDep, viewer: ViewerDep, city: City) -> CityTopicsOut:
    found = peers.city_topics(services, city, viewer)
    if found is None:
        raise HTTPException(status_code=404, detail="city not found")
    return found


def _search_link(topic: str, **filters: str) -> str:
    """The search page for a topic's documents (its label, or a free query)."""
    return "/?" + urlencode({**topic_params(topic), **filters})


@router.get("/praxis", response_class=HTMLResponse, include_in_schema=False)
def peers_page(
    services: ServicesDep, viewer: ViewerDep, request: Request, topic: TopicQ = "", q: TopicQ = ""
) -> Any:
    ui = ui_language(request)
    topic = topic_name(topic) or topic  # as typed ("sicherheit im bahnhofsviertel"): its name
    overview = peers.overview(services, viewer)
    matrix = matrix_chart(
        list(TOPICS),
        overview.cities,
        {(t, c): n for t, per_city in overview.counts.items() for c, n in per_city.items()},
        lambda t, c: "/praxis?" + urlencode({"topic": t}) + "#stadt-" + c,
        ui,
    )
    chosen = q.strip() or topic
    result = peers.peers(services, chosen, viewer) if chosen else None
    years = ""
    if result is not None:
        # The chart counts what its bars link to: the search for the topic.
        query, filters = topic_request(chosen)
        by_year = search(services, SearchRequest(query, filters=filters, viewer=viewer, per_page=1))
        years = year_chart(by_year.facets["year"], lambda y: _search_link(chosen, year=y), ui)
    return render(
        request,
        "peers.html",
        {
            "topics": list(TOPICS),
            "topic": topic if not q.strip() else "",
            "q": q.strip(),
            "result": result,
            "query": topic_request(chosen)[0] if chosen else "",
            "matrix": matrix,
            "years": years,
            "search_link": _search_link,
        },
    )


@router.get("/praxis/stadt/{city}", response_class=HTMLResponse, include_in_schema=False)
def peer_city_page(services: ServicesDep, viewer: ViewerDep, request: Request, city: City) -> Any:
    found = peers.city_topics(services, city, viewer)
    if found is None:
        return render(request, "error.html", {"message_key": "peers.unknown_city"}, status=404)
    if found.city != city:  # typed otherwise ("koeln"): the page's own address
        return RedirectResponse(f"/praxis/stadt/{quote(found.city)}", status_code=301)
    most = max([a.documents for a in found.topics] + [a.network_average for a in found.topics])
    return render(
        request,
        "peer_city.html",
        {
            "found": found,
            "most": most or 1,
            "search_link": lambda topic: _search_link(topic, city=city),
        },
    )
