"""Staff: uploading the export of a members-only board (CSV or JSON)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from kb.viewer import Viewer
from ops import pipeline
from ops.errors import BusyError, InvalidError
from ops.services import Services
from web.deps import Editor, ServicesDep
from web.routes.staff.pages import page

router = APIRouter()
BOARD_SUFFIXES = (".csv", ".json")


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, services: ServicesDep, asker: Editor) -> Any:
    limit = services.settings.max_upload_bytes
    return page(request, "staff_import.html", {"limit_mb": round(limit / 1e6, 1)})


def _import(
    services: Services, asker: Viewer, content: bytes, suffix: str, collection: str, site: str
) -> pipeline.BoardImported:
    """The export in a file of its own, as the import reads it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export{suffix}"
        path.write_bytes(content)
        return pipeline.import_board(services, asker, path, collection, site or None)


@router.post("/import", response_class=HTMLResponse)
def import_upload(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    datei: Annotated[UploadFile, File()],
    collection: Annotated[str, Form(min_length=1, max_length=200)],
    site: Annotated[str, Form(max_length=500)] = "",
) -> Any:
    limit = round(services.settings.max_upload_bytes / 1e6, 1)
    suffix = Path(datei.filename or "").suffix.lower()
    context: dict[str, Any] = {"limit_mb": limit, "collection": collection, "site": site}
    if suffix not in BOARD_SUFFIXES:
        return page(request, "staff_import.html", {**context, "problems": ["format"]}, 415)
    if site and not site.startswith(("http://", "https://")):
        return page(request, "staff_import.html", {**context, "problems": ["site"]}, 422)
    content = datei.file.read()
    services.extractor  # noqa: B018 (built here: building reads the process's connection)
    try:
        imported = _import(services, asker, content, suffix, collection, site)
    except BusyError:
        return page(request, "staff_import.html", {**context, "problems": ["busy"]}, 409)
    except InvalidError as exc:
        return page(request, "staff_import.html", {**context, "board_error": str(exc)}, 422)
    return page(request, "staff_import.html", {**context, "report": imported.report})
