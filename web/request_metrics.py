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
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
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
