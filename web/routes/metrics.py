"""``GET /metrics``: the service's figures in Prometheus' text format (`ops.metrics`).

With ``KB_METRICS_TOKEN`` set, it wants ``Authorization: Bearer <token>``. Without one, it
answers only clients on loopback whose request no proxy forwarded: a reverse proxy on the same
machine connects from loopback too, and must not hand the figures to the internet.

A plain route, outside the app's dependencies: its Bearer token is no account's token, which
`web.access.guard` would refuse.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from ops.metrics import exposition
from web.access import services_of

router = APIRouter()
FORWARDED = ("forwarded", "x-forwarded-for", "x-real-ip")


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
    return local and not any(name in request.headers for name in FORWARDED)


def _refusal(request: Request, token: str) -> Response | None:
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return None
        return PlainTextResponse(
            "a bearer token is required", 401, headers={"WWW-Authenticate": "Bearer"}
        )
    if _loopback(request):
        return None
    return PlainTextResponse("only for loopback clients or with KB_METRICS_TOKEN", 403)


def metrics(request: Request) -> Response:
    services = services_of(request)
    refused = _refusal(request, services.settings.metrics_token)
    if refused is not None:
        return refused
    return Response(exposition(services), media_type=CONTENT_TYPE_LATEST)


# A plain function: Starlette runs it on the thread pool, where the store may be read.
router.add_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
