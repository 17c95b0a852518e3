"""Searching: the search page with facets, ``/api/search`` (the JSON of ``kb search --json``)
and autocomplete."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from kb.formatting import format_date, german_key
from ops import search as searching
from ops.search import FACETS, SearchResult
from web.charts import year_chart
from web.deps import ServicesDep, ViewerDep
from web.i18n import TEXTS, value_label
from web.params import FILTER_PARAMS, SearchParams
from web.rendering import pager, render, ui_language
from web.schemas import SuggestionOut, SuggestOut

DATE_PARAMS = ("date_from", "date_to")
FACET_LIMIT = 12


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    chosen: bool
    link: str


router = APIRouter()


def _link(params: list[tuple[str, str]], **changes: Any) -> str:
    kept = [(k, v) for k, v in params if k not in changes and k != "ui"]
    kept += [(k, str(v)) for k, v in changes.items() if v not in (None, "")]
    return "?" + urlencode(kept)


@router.get("/api/search", response_model=SearchResult, tags=["search"])
def api_search(services: ServicesDep, viewer: ViewerDep, params: SearchParams) -> Any:
    """Full-text search with facets; members-only documents only for members."""
    return searching.result_json(searching.search(services, replace(params, viewer=viewer)))


@router.get("/api/suggest", response_model=SuggestOut, tags=["search"])
def api_suggest(
    services: ServicesDep,
    viewer: ViewerDep,
    q: Annotated[str, Query(max_length=100, description="What has been typed so far.")] = "",
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> SuggestOut:
    """Autocomplete over titles, entities and frequent words of visible documents."""
    found = searching.suggest(services, viewer, q, limit)
    return SuggestOut(query=q, suggestions=[SuggestionOut(**asdict(s)) for s in found])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def search_page(
    request: Request, services: ServicesDep, viewer: ViewerDep, params: SearchParams
) -> Any:
    ui = ui_language(request)
    search_request = replace(params, viewer=viewer)
    result = searching.search(services, search_request)
    current = [
        (k, v) for k, v in request.query_params.multi_items() if k not in {"page", "ui"} and v
    ]
    chips = [
        {
            "facet": TEXTS[ui]["facet.date" if name in DATE_PARAMS else f"facet.{name}"],
            "label": f"{TEXTS[ui][name]} {format_date(value, ui)}"
            if name in DATE_PARAMS
            else value_label(name, value, ui),
            "remove": _link([(k, v) for k, v in current if (k, v) != (name, value)]),
        }
        for name, value in current
        if name in FILTER_PARAMS or name in DATE_PARAMS
    ]
    facets = []
    for name in FACETS:
        counts = result.facets[name]
        if not counts:
            continue
        chosen = set(search_request.filters.get(name, []))
        values = [
            FacetValue(
                value=value,
                label=value_label(name, value, ui),
                count=count,
                chosen=value in chosen,
                link=_link([(k, v) for k, v in current if (k, v) != (name, value)])
                if value in chosen
                else _link([*current, (name, value)]),
            )
            for value, count in counts.items()
        ]
        # Count decides; German collation breaks ties (Ärzte sorts with A, not after Z).
        values.sort(key=lambda v: (-v.count, german_key(v.label)))
        facets.append(
            {
                "name": name,
                "title": TEXTS[ui][f"facet.{name}"],
                "shown": values[:FACET_LIMIT],
                "more": values[FACET_LIMIT:],
            }
        )
    return render(
        request,
        "search.html",
        {
            "result": result,
            "chips": chips,
            "facets": facets,
            "clear_all": _link(
                [(k, v) for k, v in current if k not in FILTER_PARAMS and k not in DATE_PARAMS]
            ),
            "suggestion_link": _link(current, q=result.suggestion) if result.suggestion else None,
            "date_params": DATE_PARAMS,
            "pager": pager(request, result.page, result.total, result.per_page),
            "sort_links": {s: _link(current, sort=s) for s in ("relevance", "date")},
            "sort": search_request.sort,
            "year_chart": year_chart(result.facets["year"], lambda y: _link(current, year=y), ui),
            "kind_label": lambda kind: value_label("kind", kind, ui),
        },
    )
