"""The FastAPI application.

>>> app = create_app(Services.open(Settings()))
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from web import api, pages, views_events, views_funding, views_peers, views_projects
from web.services import Services


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="DEFUS knowledge base",
        summary="Search Pufii publications, member-city news and the information pools.",
        version="0.1.0",
    )
    app.state.services = services
    app.include_router(api.router)
    app.include_router(pages.router)
    for views in (views_funding, views_events, views_projects, views_peers):
        app.include_router(views.router)
    app.mount(
        "/static", StaticFiles(directory=str(resources.files("web").joinpath("static"))), "static"
    )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        """JSON for the API, a German (or English) page for people."""
        if request.url.path.startswith("/api/") or "text/html" not in request.headers.get(
            "accept", ""
        ):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        response: HTMLResponse = pages.render(
            request,
            "error.html",
            {"message": str(exc.detail), "message_key": None},
            status=exc.status_code,
        )
        return response

    return app
