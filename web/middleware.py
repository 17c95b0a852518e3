"""What wraps every response: security headers, the request-size limit."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def plain_page(message: str) -> str:
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
                if wants_json(request)
                else HTMLResponse(
                    plain_page(f"Die Datei ist zu groß: höchstens {megabytes} MB."), 413
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


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get(
        "accept", ""
    )
