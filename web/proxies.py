"""Whose word on the client's address the server takes.

Behind a reverse proxy every connection comes from the proxy, which names the client in
``X-Forwarded-For``. That header is believed only from ``KB_TRUSTED_PROXIES``: from anyone
else (a local process included) it would let a client choose its own address, and with it
escape the limits per client address (failed logins, password resets).
"""

from __future__ import annotations

from typing import Any

from kb.settings import Settings


def server_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options for the proxy headers: none believed unless proxies are named."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.trusted_proxies}
