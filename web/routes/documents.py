"""A document: its page and ``/api/documents/{id}``, with its entities. A members-only
document is answered 404 for anyone who may not see it, exactly as a missing one."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse

from ops import documents, labels
from web.deps import ServicesDep, ViewerDep
from web.i18n import value_label
from web.params import SEARCH_PARAMS
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
        labels=doc.labels,
    )


@router.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
def document_page(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    doc_id: DocId,
    suche: Annotated[str, Query(max_length=4000, description="The search it was found by.")] = "",
) -> Any:
    doc = documents.document(services, viewer, doc_id)
    if doc is None:
        return render(request, "error.html", {"message_key": "not_found"}, status=404)
    return render(
        request,
        "document.html",
        {
            "doc": doc,
            "blocks": documents.layout(doc),
            "groups": documents.mention_groups(services, doc),
            "kind_label": value_label("kind", doc.kind, ui_language(request)),
            "back": back_to_search(suche),
            "label_name": lambda family, label: value_label(family, label, ui_language(request)),
            "vocabulary": labels.vocabulary(),
            "saved": request.query_params.get("meldung") == "labels_saved",
        },
    )


def back_to_search(given: str) -> str:
    """The search a document was found by, as a link to the search page; only the search's
    own parameters are kept (a link must not lead elsewhere)."""
    kept = [(k, v) for k, v in parse_qsl(given) if k in SEARCH_PARAMS]
    return "/?" + urlencode(kept) if kept else "/"
