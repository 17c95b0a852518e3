"""Searching: the search page with facets, ``/api/search`` (the JSON of ``kb search --json``)
and autocomplete."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from kb.formatting import format_date, german_key
from ops import search as searching
from ops.errors import InvalidError
from ops.search import FACETS, SearchRequest, SearchResult
from web.charts import year_chart
from web.deps import ServicesDep, ViewerDep
from web.i18n import TEXTS, value_label
from web.params import (
    FILTER_PARAMS,
    PER_PAGE_CHOICES,
    Notice,
    SearchParams,
    page_request,
    parse_day,
)
from web.rendering import pager, render, ui_language
from web.schemas import SuggestionOut, SuggestOut

DATE_PARAMS = ("date_from", "date_to")
FACET_LIMIT = 12
MARKED = re.compile(r"<mark>(.*?)</mark>")


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
def search_page(request: Request, services: ServicesDep, viewer: ViewerDep) -> Any:
    ui = ui_language(request)
    search_request, notices = page_request(request.query_params)
    search_request = replace(search_request, viewer=viewer)
    try:
        result = searching.search(services, search_request)
    except InvalidError as exc:  # a pattern too broad: say so, search nothing
        notices.append(Notice("too_broad", {"reason": str(exc)}))
        result = SearchResult(search_request.query, 0, 1, search_request.per_page, [], {})
    # Filters as the facets name what they matched ("koeln" is Köln): chips, marks and links.
    current = [
        (k, searching.counted_value(k, v, result.facets) if k in FILTER_PARAMS else v)
        for k, v in request.query_params.multi_items()
        if k not in {"page", "ui"} and v
    ]
    search_request = replace(
        search_request,
        filters={
            name: [searching.counted_value(name, v, result.facets) for v in values]
            for name, values in search_request.filters.items()
        },
    )
    pages = max(1, -(-result.total // result.per_page))
    if result.total and result.page > pages:
        notices.append(Notice("page_beyond", {"page": result.page, "pages": pages}))
    for name, values in search_request.filters.items():
        notices += [
            Notice("unknown_value", {"facet": TEXTS[ui][f"facet.{name}"], "value": value})
            for value in values
            if value not in searching.counts_of(name, result.facets)
        ]
    return render(
        request,
        "search.html",
        {
            "result": result,
            "notices": notices,
            "chips": _chips(current, ui),
            "chosen_count": sum(1 for k, _ in current if k in FILTER_PARAMS or k in DATE_PARAMS),
            "facets": _facets(result, search_request, current, ui),
            "clear_all": _link(
                [(k, v) for k, v in current if k not in FILTER_PARAMS and k not in DATE_PARAMS]
            ),
            "suggestion_link": _link(current, q=result.suggestion) if result.suggestion else None,
            "date_params": DATE_PARAMS,
            "dates": {name: format_day(getattr(search_request, name), ui) for name in DATE_PARAMS},
            "pager": pager(request, result.page, result.total, result.per_page),
            "last_page_link": _link(current, page=pages),
            "sort_links": {s: _link(current, sort=s) for s in ("relevance", "date")},
            "sort": search_request.sort,
            "per_page_links": {n: _link(current, per_page=n) for n in PER_PAGE_CHOICES},
            "year_chart": year_chart(result.facets["year"], lambda y: _link(current, year=y), ui),
            "kind_label": lambda kind: value_label("kind", kind, ui),
            "titles": {hit.id: marked_title(hit.title, hit.snippet) for hit in result.hits},
            # The document page's way back: this search, on this page.
            "back": urlencode([(k, v) for k, v in request.query_params.multi_items()]),
        },
    )


def _chips(current: list[tuple[str, str]], ui: str) -> list[dict[str, str]]:
    return [
        {
            "facet": TEXTS[ui]["facet.date" if name in DATE_PARAMS else f"facet.{name}"],
            "label": f"{TEXTS[ui][name]} {format_date(value, ui)}"
            if name in DATE_PARAMS and parse_day(value)
            else value_label(name, value, ui),
            "remove": _link([(k, v) for k, v in current if (k, v) != (name, value)]),
        }
        for name, value in current
        if name in FILTER_PARAMS or (name in DATE_PARAMS and parse_day(value))
    ]


def _facets(
    result: SearchResult, request: SearchRequest, current: list[tuple[str, str]], ui: str
) -> list[dict[str, Any]]:
    facets = []
    for name in FACETS:
        counts = result.facets[name]
        if not counts:
            continue
        chosen = set(request.filters.get(name, []))
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
        if name == "year":  # years read in their order, newest first
            values.sort(key=lambda v: v.value, reverse=True)
        else:  # count decides; German collation breaks ties (Ärzte sorts with A)
            values.sort(key=lambda v: (-v.count, german_key(v.label)))
        facets.append(
            {
                "name": name,
                "title": TEXTS[ui][f"facet.{name}"],
                "shown": values[:FACET_LIMIT],
                "more": values[FACET_LIMIT:],
            }
        )
    return facets


def format_day(day: date | None, ui: str) -> str:
    """A date in the date field as people write it: 01.03.2025, or 2025-03-01 in English."""
    if day is None:
        return ""
    return day.strftime("%d.%m.%Y") if ui == "de" else day.isoformat()


def marked_title(title: str, snippet: str) -> Markup:
    """The title with the words the snippet marks as matches marked too."""
    words = {w.casefold() for w in MARKED.findall(snippet)}
    if not words:
        return escape(title)
    pattern = re.compile(
        r"(?<!\w)("
        + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        + r")(?!\w)",
        re.IGNORECASE,
    )
    parts = pattern.split(title)
    return Markup("").join(
        Markup("<mark>{}</mark>").format(part) if n % 2 else escape(part)
        for n, part in enumerate(parts)
    )
