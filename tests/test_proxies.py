"""X-Forwarded-For is believed only from KB_TRUSTED_PROXIES (issue 17, point 8): otherwise a
client on the same host (or behind no proxy at all) would pick its own address and slip past
the limits per client address. Runs ``kb serve`` as a real process, as it is deployed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pydantic
import pytest

from kb.accounts import MAX_FAILURES_ADDRESS
from kb.settings import Settings
from tests.appserver import ServeProcess
from tests.sessions import form_token


@contextmanager
def _served(data: Path, *args: str, **env: str) -> Iterator[str]:
    """``kb serve ARGS`` on a free port until the block ends; its base URL."""
    environment = {**os.environ, "KB_DATA_DIR": str(data), "KB_COOKIE_SECURE": "false", **env}
    server = ServeProcess(list(args), environment, data.parent / "serve.log")
    try:
        server.health()
        yield server.url
    finally:
        server.stop()


def _failed_logins(url: str, count: int) -> list[int]:
    """``count`` failed logins, each claiming another client and account: their statuses."""
    with httpx.Client(base_url=url) as client:
        token = form_token(client, "/anmelden")
        statuses = []
        for n in range(count):
            answer = client.post(
                "/anmelden",
                data={"email": f"niemand{n}@stadt.test", "password": "falsch-falsch",
                      "csrf_token": token},
                headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
            )  # fmt: skip
            statuses.append(answer.status_code)
    return statuses


def test_forwarded_addresses_of_an_untrusted_client_are_ignored(tmp_path: Path) -> None:
    # Two workers: each connection may reach either, and the failures are counted in common.
    with _served(tmp_path / "data", "--workers", "2") as url:
        statuses = _failed_logins(url, MAX_FAILURES_ADDRESS + 1)
    assert statuses == [400] * MAX_FAILURES_ADDRESS + [429]


def test_forwarded_addresses_of_a_trusted_proxy_name_the_client(tmp_path: Path) -> None:
    with _served(tmp_path / "data", KB_TRUSTED_PROXIES="127.0.0.1, ::1") as url:
        statuses = _failed_logins(url, MAX_FAILURES_ADDRESS + 1)
    assert statuses == [400] * (MAX_FAILURES_ADDRESS + 1)


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert Settings(trusted_proxies=" 10.0.0.0/8,192.0.2.7 ").trusted_proxies == (
        "10.0.0.0/8,192.0.2.7"
    )
    with pytest.raises(pydantic.ValidationError, match=r"'proxy\.example' is no IP address"):
        Settings(trusted_proxies="10.0.0.1, proxy.example")
