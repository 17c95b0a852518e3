"""A document: its page and ``/api/documents/{id}``, with its entities. A members-only
document is answered 404 for anyone who may not see it, exactly as a missing one."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse

from ops import documents
from web.deps import ServicesDep, ViewerDep
from web.i18n import value_label
from web.rendering import render, ui_language
from web.schemas import DocumentOut, MentionOut

router = APIRouter()
DocId = Annotated[int, Path(ge=1, le=2**62)]


@router.get(
    "/api/documents/{doc_id}",
    response_model=DocumentOut,
    responses={404: {"description": "No such document, or not visible to the asker"}},
    tags=["documents"],
)
def api_document(doc_id: DocId, services: ServicesDep, viewer: ViewerDep) -> Any:
    doc = documents.document(services, viewer, doc_id)
    if doc is None:
        raise HTTPException(status_code=404, detail="document not found")
    return DocumentOut(
        id=doc_id,
        url=doc.url,
        title=doc.title,
        text=doc.text,
        lang=doc.lang,
        kind=doc.kind,
        city=doc.city,
        collection=doc.collection,
        date=doc.published.isoformat() if doc.published else None,
        members_only=doc.members_only,
        entities=[MentionOut(**asdict(m)) for m in doc.mentions],
        attachments=doc.attachments,
    )


@router.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
def document_page(request: Request, services: ServicesDep, viewer: ViewerDep, doc_id: DocId) -> Any:
    doc = documents.document(services, viewer, doc_id)
    if doc is None:
        return render(request, "error.html", {"message_key": "not_found"}, status=404)
    return render(
        request,
        "document.html",
        {
            "doc": doc,
            "paragraphs": [p for p in doc.text.split("\n\n") if p.strip()],
            "groups": documents.mention_groups(services, doc),
            "kind_label": value_label("kind", doc.kind, ui_language(request)),
        },
    )
