"""Staff: the backups (daily and by command) and where they go."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ops import backup
from web.deps import Editor, ServicesDep
from web.routes.staff.pages import page

router = APIRouter()


@router.get("/sicherungen", response_class=HTMLResponse)
def backups_page(request: Request, services: ServicesDep, asker: Editor) -> Any:
    found = backup.overview(services.store, services.settings, services.scheduler)
    return page(request, "staff_backups.html", {"overview": found})
