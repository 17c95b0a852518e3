"""HTML pages: the search page with facets, and a document page."""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import resources
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from index.schema import FACETS
from kb.entity_catalogue import EntityCatalogue
from web.access import csrf_token, keep_csrf_cookie, viewer, viewer_of
from web.api import ServicesDep, entity_page
from web.charts import year_chart
from web.i18n import TEXTS, UI_LANGUAGES, format_date, german_key, value_label
from web.params import FILTER_PARAMS, SearchParams

UI_COOKIE = "ui"
DATE_PARAMS = ("date_from", "date_to")
FACET_LIMIT = 12


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    chosen: bool
    link: str


templates = Jinja2Templates(directory=str(resources.files("web").joinpath("templates")))
templates.env.filters["date_de"] = format_date
router = APIRouter(include_in_schema=False)


def ui_language(request: Request) -> str:
    """``?ui=en`` switches the interface; the choice is kept in a cookie."""
    chosen = request.query_params.get("ui") or request.cookies.get(UI_COOKIE) or "de"
    return chosen if chosen in UI_LANGUAGES else "de"


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    ui = ui_language(request)
    shared = {
        "t": TEXTS[ui],
        "ui": ui,
        "viewer": viewer(request),
        # Called by forms only: anonymous pages without a form set no CSRF cookie.
        "csrf_token": lambda: csrf_token(request),
    }
    response = templates.TemplateResponse(request, name, {**context, **shared}, status_code=status)
    if request.query_params.get("ui") in UI_LANGUAGES:
        response.set_cookie(UI_COOKIE, ui, max_age=365 * 86400, samesite="lax", httponly=True)
    keep_csrf_cookie(request, response)
    return response


def _link(params: list[tuple[str, str]], **changes: Any) -> str:
    kept = [(k, v) for k, v in params if k not in changes and k != "ui"]
    kept += [(k, str(v)) for k, v in changes.items() if v not in (None, "")]
    return "?" + urlencode(kept)


@router.get("/", response_class=HTMLResponse)
async def search_page(request: Request, services: ServicesDep, params: SearchParams) -> Any:
    ui = ui_language(request)
    search_request = replace(params, viewer=viewer_of(request))
    result = services.search.search(search_request)
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
    pages = max(1, -(-result.total // result.per_page))
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
            "pages": pages,
            "page_links": {
                n: _link(current, page=n)
                for n in range(max(1, result.page - 3), min(pages, result.page + 3) + 1)
            },
            "prev_link": _link(current, page=result.page - 1) if result.page > 1 else None,
            "next_link": _link(current, page=result.page + 1) if result.page < pages else None,
            "sort_links": {s: _link(current, sort=s) for s in ("relevance", "date")},
            "sort": search_request.sort,
            "year_chart": year_chart(result.facets["year"], lambda y: _link(current, year=y), ui),
            "switch_link": _link(
                list(request.query_params.multi_items()), ui="en" if ui == "de" else "de"
            ),
            "kind_label": lambda kind: value_label("kind", kind, ui),
        },
    )


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
async def document_page(
    request: Request, services: ServicesDep, doc_id: Annotated[int, Path(ge=1, le=2**62)]
) -> Any:
    doc = services.store.document(doc_id)
    if doc is None or (doc.members_only and not viewer_of(request).sees_members_only):
        return render(request, "error.html", {"message_key": "not_found"}, status=404)
    ui = ui_language(request)
    ids = EntityCatalogue(services.store).ids({(m.canonical, m.label) for m in doc.mentions})
    groups = {
        label: sorted(
            {
                (m.canonical, ids.get((m.canonical, m.label)))
                for m in doc.mentions
                if m.label == label
            },
            key=lambda pair: german_key(pair[0]),
        )
        for label in ("PER", "ORG", "LOC")
    }
    return render(
        request,
        "document.html",
        {
            "doc": doc,
            "paragraphs": [p for p in doc.text.split("\n\n") if p.strip()],
            "groups": groups,
            "kind_label": value_label("kind", doc.kind, ui),
            "switch_link": f"?ui={'en' if ui == 'de' else 'de'}",
        },
    )


@router.get("/entity/{entity_id}", response_class=HTMLResponse)
async def entity_html(
    request: Request, services: ServicesDep, entity_id: Annotated[int, Path(ge=1, le=2**62)]
) -> Any:
    page = entity_page(services, entity_id, viewer_of(request))
    if page is None:
        return render(request, "error.html", {"message_key": "entity_not_found"}, status=404)
    facet = {"PER": "person", "ORG": "org", "LOC": "place"}[page.label]
    return render(
        request,
        "entity.html",
        {
            "entity": page,
            "facet": facet,
            "search_link": "/?" + urlencode({facet: page.name}),
            "switch_link": f"?ui={'en' if ui_language(request) == 'de' else 'de'}",
        },
    )
