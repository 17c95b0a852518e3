"""The FastAPI application.

>>> app = create_app(Services.open(Settings()))
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from kb import logs
from kb.settings import Settings
from ops import jobs
from ops.errors import InvalidError
from ops.services import Services
from web.access import CsrfRefused, LoginRequired, guard
from web.i18n import TEXTS
from web.middleware import BodySizeLimit, SecurityHeaders, plain_page, security_headers, wants_json
from web.rendering import render
from web.request_metrics import RequestMetrics
from web.routes import (
    auth,
    documents,
    entities,
    events,
    funding,
    health,
    metrics,
    newsletter,
    peers,
    projects,
    search,
    staff,
)

log = logging.getLogger(__name__)

# Routes per resource; their order is the order of the API docs.
ROUTES = (
    search, documents, entities, funding, events, projects, peers, newsletter, health, metrics,
    auth, staff
)  # fmt: skip


def from_environment() -> FastAPI:
    """The app of each worker process of ``kb serve --workers N``, built from the settings of
    the environment; one of the workers runs the scheduler (`ops.jobs.Scheduling`)."""
    settings = Settings()
    logs.configure(settings)
    return create_app(Services.open(settings), scheduler=True)


def create_app(services: Services, scheduler: bool = False) -> FastAPI:
    """The app; with ``scheduler`` (``kb serve``, ``kb demo``) it also runs the weekly
    newsletter and the sources' scheduled crawls while it serves."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduling = jobs.Scheduling(services).begin() if scheduler else None
        app.state.scheduling = scheduling  # for /readyz
        try:
            yield
        finally:
            if scheduling is not None:
                scheduling.end()

    app = FastAPI(
        title="DEFUS knowledge base",
        summary="Search Pufii publications, member-city news and the information pools.",
        version="0.1.0",
        dependencies=[Depends(guard)],
        lifespan=lifespan,
    )
    app.state.services = services
    for routes in ROUTES:
        app.include_router(routes.router)
    app.mount(
        "/static", StaticFiles(directory=str(resources.files("web").joinpath("static"))), "static"
    )
    app.add_middleware(BodySizeLimit, limit=services.settings.max_upload_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestMetrics)  # outermost: counts and times every answer

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        """JSON for the API, a German (or English) page for people; people who need to log in
        are sent to the login form."""
        if wants_json(request):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        if isinstance(exc, LoginRequired):
            return RedirectResponse(f"/anmelden?{auth.next_query(request)}", status_code=303)
        key = "error.csrf" if isinstance(exc, CsrfRefused) else f"error.{exc.status_code}"
        response: HTMLResponse = render(
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
        if wants_json(request):
            return JSONResponse({"detail": problems}, status_code=422)
        fields = ", ".join(str(p["loc"][-1]) for p in problems if p["loc"])
        response: HTMLResponse = render(
            request,
            "error.html",
            {"message_key": "error.422", "fields": fields},
            status=422,
        )
        return response

    @app.exception_handler(InvalidError)
    async def refused(request: Request, exc: InvalidError) -> Response:
        """An operation's refusal of the input: 422 with its reason."""
        if wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=422)
        return render(request, "error.html", {"message": str(exc)}, status=422)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        """Logged in full here; the asker learns nothing of the code or its paths."""
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        headers = security_headers(request.url.path)
        if wants_json(request):
            return JSONResponse({"detail": "internal error"}, status_code=500, headers=headers)
        message = "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut."
        return HTMLResponse(plain_page(message), status_code=500, headers=headers)

    return app
