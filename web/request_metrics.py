"""Every request counted and timed per route for /metrics (`ops.metrics`), and logged as one
line: method, route, status and milliseconds.

The route is the one declared (``/api/documents/{doc_id}``), never the path asked for: paths
carry ids and mailed tokens, and a label per path would grow without end. Query strings, which
hold what people search for and the tokens of links, are not logged.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ops.metrics import REQUEST_SECONDS, REQUESTS

log = logging.getLogger("web.requests")
UNMATCHED = "(unmatched)"  # no route: 404s of made-up paths share one label


def template(scope: Scope, status: int) -> str:
    """The declared path of the route that answered the request."""
    route = scope.get("route")
    declared: str | None = getattr(route, "path", None)
    pattern = getattr(route, "path_regex", None)
    path: str = scope["path"]
    if not declared:
        # A plain route (/metrics) or a static file answered: its path; a made-up one does not
        # get a label of its own.
        return path if "endpoint" in scope and status != 404 else UNMATCHED
    if pattern is None or pattern.match(path):
        return declared
    # A route of an included router declares its path without the router's prefix ("/staff"):
    # the prefix is what its pattern leaves over of the path.
    for cut in (n for n, char in enumerate(path) if char == "/" and n > 0):
        if pattern.match(path[cut:]):
            return path[:cut] + declared
    return declared


class RequestMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500  # unless the app answers: an error that escapes it is answered with 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            seconds = time.perf_counter() - began
            route = template(scope, status)
            method = scope["method"]
            REQUESTS.labels(route, method, str(status)).inc()
            REQUEST_SECONDS.labels(route, method).observe(seconds)
            log.info(
                "%s %s %d",
                method,
                route,
                status,
                extra={"ms": round(seconds * 1000, 1)},
            )
