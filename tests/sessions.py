"""Logging in through the real login form, as a browser would, for the HTTP tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from bs4 import BeautifulSoup

from kb.accounts import Accounts, User
from kb.store import Store

PASSWORD = "ein-langes-testpasswort"


def ensure_user(store: Store, email: str, role: str, password: str = PASSWORD) -> User:
    """The account (added on first need: several test modules share the demo store)."""
    accounts = Accounts(store)
    return accounts.find(email) or accounts.add(email, role, password)


def form_token(client: httpx.Client, path: str) -> str:
    """The CSRF token of the first form on the page at ``path``."""
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200, page.text
    field = BeautifulSoup(page.text, "lxml").select_one('input[name="csrf_token"]')
    assert field is not None, path
    return str(field["value"])


def login(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    token = form_token(client, "/anmelden")
    return client.post(
        "/anmelden", data={"email": email, "password": password, "csrf_token": token}
    )


@contextmanager
def logged_in(base_url: str, email: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    """A client whose session began at the login form."""
    with httpx.Client(base_url=base_url) as client:
        answer = login(client, email, password)
        assert answer.status_code == 303, answer.text
        yield client
