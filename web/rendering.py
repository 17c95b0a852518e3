"""HTML pages: the templates, the interface language (``?ui=en``, kept in a cookie) and what
every page gets (texts, the asker, a CSRF token for forms)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from kb.formatting import format_date
from web.access import asker, csrf_token, keep_csrf_cookie
from web.i18n import TEXTS, UI_LANGUAGES

UI_COOKIE = "ui"

templates = Jinja2Templates(directory=str(resources.files("web").joinpath("templates")))
templates.env.filters["date_de"] = format_date


def ui_language(request: Request) -> str:
    """``?ui=en`` switches the interface; the choice is kept in a cookie."""
    chosen = request.query_params.get("ui") or request.cookies.get(UI_COOKIE) or "de"
    return chosen if chosen in UI_LANGUAGES else "de"


def switch_link(request: Request) -> str:
    """The same page in the other interface language, its parameters kept."""
    other = "en" if ui_language(request) == "de" else "de"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "ui"]
    return "?" + urlencode([*kept, ("ui", other)])


@dataclass(frozen=True)
class Pager:
    """Links to the pages of a long list, the query's other parameters kept."""

    page: int
    pages: int
    links: dict[int, str]  # the pages around the current one
    previous: str | None
    next: str | None


def pager(request: Request, page: int, total: int, per_page: int) -> Pager:
    pages = max(1, -(-total // per_page))
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in {"page", "ui"}]

    def link(n: int) -> str:
        return "?" + urlencode([*kept, ("page", str(n))])

    return Pager(
        page=page,
        pages=pages,
        links={n: link(n) for n in range(max(1, page - 3), min(pages, page + 3) + 1)},
        previous=link(page - 1) if page > 1 else None,
        next=link(page + 1) if page < pages else None,
    )


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    ui = ui_language(request)
    shared = {
        "t": TEXTS[ui],
        "ui": ui,
        "viewer": asker(request),
        "switch_link": switch_link(request),
        # Called by forms only: anonymous pages without a form set no CSRF cookie.
        "csrf_token": lambda: csrf_token(request),
    }
    response = templates.TemplateResponse(request, name, {**shared, **context}, status_code=status)
    if request.query_params.get("ui") in UI_LANGUAGES:
        response.set_cookie(UI_COOKIE, ui, max_age=365 * 86400, samesite="lax", httponly=True)
    keep_csrf_cookie(request, response)
    return response
