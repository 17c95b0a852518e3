"""Staff: correcting a document's labels from its page (`ops.labels`, audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse

from ops import labels
from ops.errors import InvalidError, NotFoundError
from web.deps import Editor, ServicesDep
from web.rendering import render

router = APIRouter()
Chosen = Annotated[list[str] | None, Form()]


@router.post("/dokumente/{doc_id}/labels")
def labels_correct(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    doc_id: Annotated[int, Path(ge=1, le=2**62)],
    topic: Chosen = None,
    target: Chosen = None,
    setting: Chosen = None,
    evidence: Chosen = None,
) -> Any:
    # The form shows every family; an unticked box is a label taken away.
    chosen = {
        "topic": topic or [],
        "target": target or [],
        "setting": setting or [],
        "evidence": evidence or [],
    }
    try:
        labels.correct(services, asker, doc_id, chosen)
    except NotFoundError:
        return render(request, "error.html", {"message_key": "not_found"}, status=404)
    except InvalidError:
        return render(request, "error.html", {"message_key": "labels.invalid"}, status=422)
    return RedirectResponse(f"/documents/{doc_id}?meldung=labels_saved", status_code=303)
