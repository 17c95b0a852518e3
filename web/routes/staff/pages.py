"""What the staff pages share: a page with the message of the last action, the redirect that
names it."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse

from web.rendering import render


def done(path: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?meldung={message}", status_code=303)


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Any:
    """A staff page; ``meldung`` of the query names the message of the last action."""
    notice = request.query_params.get("meldung", "")
    return render(request, name, {"notice": notice, "section": name, **context}, status=status)
