"""Logging in to members-only collections through their HTML login form.

Credentials come from the environment (``KB_SOURCE_<NAME>_USERNAME`` and ``…_PASSWORD``) or are
handed in by the caller; they are never logged, stored or put into a report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag

from crawler.errors import FetchError
from crawler.fetch import Fetched, Fetcher
from crawler.urls import normalize


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)


def env_key(source_name: str) -> str:
    return "KB_SOURCE_" + re.sub(r"[^A-Z0-9]", "_", source_name.upper())


def credentials_from_env(source_name: str, environ: Mapping[str, str]) -> Credentials | None:
    key = env_key(source_name)
    user, password = environ.get(f"{key}_USERNAME"), environ.get(f"{key}_PASSWORD")
    return Credentials(user, password) if user and password else None


def login(fetcher: Fetcher, login_url: str, credentials: Credentials) -> None:
    """Fill and submit the login form at ``login_url``; ``FetchError`` when it is refused."""
    page = fetcher.get(login_url)
    if not isinstance(page, Fetched):
        raise FetchError(login_url, "login page unavailable")
    form = _login_form(page.content)
    if form is None:
        raise FetchError(login_url, "no login form with a password field")
    data: dict[str, str] = {}
    for field_tag in form.find_all("input"):
        name, kind = field_tag.get("name"), str(field_tag.get("type") or "text").lower()
        if not name:
            continue
        if kind == "password":
            data[str(name)] = credentials.password
        elif kind in {"text", "email"} and not field_tag.get("value"):
            data[str(name)] = credentials.username
        elif kind not in {"submit", "button", "checkbox", "radio"}:
            data[str(name)] = str(field_tag.get("value") or "")
    action = normalize(str(form.get("action") or login_url), page.url)
    answer = fetcher.post(action, data)
    if _login_form(answer.content) is not None:
        raise FetchError(login_url, "login refused: the form came back")


def _login_form(content: bytes) -> Tag | None:
    soup = BeautifulSoup(content, "lxml")
    for form in soup.find_all("form"):
        if form.find("input", attrs={"type": "password"}):
            return form
    return None
