"""Staff: crawl runs and their reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from web.deps import Editor, ServicesDep
from web.routes.staff.pages import page

router = APIRouter()


@router.get("/laeufe", response_class=HTMLResponse)
def runs_page(request: Request, services: ServicesDep, asker: Editor) -> Any:
    return page(request, "staff_runs.html", {"runs": services.store.crawl_runs()})


@router.get("/laeufe/{run_id}", response_class=HTMLResponse)
def run_page(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    run_id: Annotated[int, PathParam(ge=1, le=2**62)],
) -> Any:
    run = services.store.crawl_run(run_id)
    if run is None:
        raise HTTPException(404, "run not found")
    return page(request, "staff_run.html", {"run": run})
