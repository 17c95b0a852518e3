"""The FastAPI application.

>>> app = create_app(Services.open(Settings()))
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from importlib import resources

from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web import (
    api,
    auth,
    crawls,
    pages,
    staff,
    views_events,
    views_funding,
    views_peers,
    views_projects,
)
from web.access import CsrfRefused, LoginRequired, guard
from web.i18n import TEXTS
from web.newsletter import schedule as newsletter_schedule
from web.newsletter import views as newsletter_views
from web.scheduler import start_scheduler
from web.services import Services

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# Swagger UI at /docs loads its script and styles from a CDN and starts with an inline script;
# the page shows no user content, so only it gets that allowance.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: https://fastapi.tiangolo.com; "
    "style-src 'self' https://cdn.jsdelivr.net; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
DOCS_PATHS = ("/docs", "/redoc")
# The staff's preview of a newsletter mail shows it as mail clients do: with its inline styles
# (mail clients ignore style sheets), but sandboxed, with no script and nothing loaded.
MAIL_PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
)
MAIL_PREVIEW_PATH = "/staff/newsletter/vorschau/"


def _csp(path: str) -> str:
    if path in DOCS_PATHS:
        return DOCS_CSP
    return MAIL_PREVIEW_CSP if path.startswith(MAIL_PREVIEW_PATH) else CSP


def security_headers(path: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": _csp(path),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }


class SecurityHeaders:
    """Adds the security headers to every response, static files and errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [
            (k.lower().encode(), v.encode()) for k, v in security_headers(scope["path"]).items()
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _plain_page(message: str) -> str:
    """A page that needs no template: for answers given before or beyond the app."""
    return (
        "<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'><title>Fehler</title>"
        f"</head><body><p>{message}</p><p><a href='/'>Zur Suche</a></p></body></html>"
    )


class BodySizeLimit:
    """Request bodies (board exports) up to ``limit`` bytes. A larger declared length is
    refused before any of the body is read; an undeclared one is counted as it arrives and
    refused with 413 by the error handler once it passes the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.limit:
            request = Request(scope)
            megabytes = f"{self.limit / 1e6:.1f}".replace(".", ",")
            response: Response = (
                JSONResponse({"detail": "request body too large"}, status_code=413)
                if _wants_json(request)
                else HTMLResponse(
                    _plain_page(f"Die Datei ist zu groß: höchstens {megabytes} MB."), 413
                )
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise HTTPException(413, "request body too large")
            return message

        await self.app(scope, counted, send)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get(
        "accept", ""
    )


def start_jobs(services: Services) -> BackgroundScheduler:
    """The service's one scheduler, with the weekly newsletter and each source's crawls."""
    return start_scheduler(
        services.settings.db_path,
        partial(newsletter_schedule.install, settings=services.settings),
        partial(crawls.install, services=services),
    )


def create_app(services: Services, scheduler: bool = False) -> FastAPI:
    """The app; with ``scheduler`` (``kb serve``, ``kb demo``) it also runs the weekly
    newsletter and the sources' scheduled crawls while it serves."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        running = start_jobs(services) if scheduler else None
        app.state.scheduler = running  # for the staff pages, which change the crawl jobs
        try:
            yield
        finally:
            if running is not None:
                running.shutdown(wait=False)

    app = FastAPI(
        title="DEFUS knowledge base",
        summary="Search Pufii publications, member-city news and the information pools.",
        version="0.1.0",
        dependencies=[Depends(guard)],
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.scheduler = None
    app.include_router(api.router)
    app.include_router(pages.router)
    for views in (views_funding, views_events, views_projects, views_peers):
        app.include_router(views.router)
    app.include_router(auth.router)
    app.include_router(staff.router)
    app.include_router(newsletter_views.router)
    app.mount(
        "/static", StaticFiles(directory=str(resources.files("web").joinpath("static"))), "static"
    )
    app.add_middleware(BodySizeLimit, limit=services.settings.max_upload_bytes)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        """JSON for the API, a German (or English) page for people; people who need to log in
        are sent to the login form."""
        if _wants_json(request):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        if isinstance(exc, LoginRequired):
            return RedirectResponse(f"/anmelden?{auth.next_query(request)}", status_code=303)
        key = "error.csrf" if isinstance(exc, CsrfRefused) else f"error.{exc.status_code}"
        response: HTMLResponse = pages.render(
            request,
            "error.html",
            {"message": str(exc.detail), "message_key": key if key in TEXTS["de"] else None},
            status=exc.status_code,
        )
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        """422 naming the parameters at fault; never the submitted values on pages."""
        problems = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        if _wants_json(request):
            return JSONResponse({"detail": problems}, status_code=422)
        fields = ", ".join(str(p["loc"][-1]) for p in problems if p["loc"])
        response: HTMLResponse = pages.render(
            request,
            "error.html",
            {"message_key": "error.422", "fields": fields},
            status=422,
        )
        return response

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        """Logged in full here; the asker learns nothing of the code or its paths."""
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        headers = security_headers(request.url.path)
        if _wants_json(request):
            return JSONResponse({"detail": "internal error"}, status_code=500, headers=headers)
        message = "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut."
        return HTMLResponse(_plain_page(message), status_code=500, headers=headers)

    return app
