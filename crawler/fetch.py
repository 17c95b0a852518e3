"""Polite HTTP fetching: robots.txt, per-host delay, conditional GET, retries, size limit.

>>> with Fetcher(Settings()) as fetcher:
...     result = fetcher.get("https://example.org/", etag='"abc"')
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Self

import httpx

from crawler.errors import FetchError
from crawler.urls import origin
from kb.settings import Settings

ROBOTS_AGENT = "DEFUS-KB-Crawler"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
DISALLOW_ALL = ["User-agent: *", "Disallow: /"]


@dataclass(frozen=True)
class Fetched:
    """A successful response."""

    url: str
    status: int
    content: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class NotModified:
    """The server answered 304 to a conditional request: nothing to do."""

    url: str


@dataclass(frozen=True)
class Disallowed:
    """robots.txt forbids the URL."""

    url: str


FetchResult = Fetched | NotModified | Disallowed


@dataclass(frozen=True)
class _Raw:
    url: str
    status: int
    headers: httpx.Headers
    content: bytes


class Fetcher:
    """One HTTP client for a crawl run, with a robots.txt cache and a clock per host.

    Safe to share between threads: at most ``crawl_concurrency`` requests per host are under
    way at a time, and their starts are ``crawl_delay`` apart.
    """

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self._settings = settings
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent},
            timeout=settings.crawl_timeout,
            follow_redirects=True,
            max_redirects=10,
            transport=transport,
        )
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._unreachable: dict[str, str] = {}  # host → why its robots.txt could not be read
        self._last_request: dict[str, float] = {}
        self._lock = threading.Lock()  # guards the robots cache and the clocks
        self._slots: defaultdict[str, threading.BoundedSemaphore] = defaultdict(
            lambda: threading.BoundedSemaphore(settings.crawl_concurrency)
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._client.cookies

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url`` politely; raise ``FetchError`` for failures, return values otherwise."""
        if not self.allowed(url):
            reason = self._unreachable.get(origin(url))
            if reason:
                raise FetchError(url, f"host unreachable ({reason})")
            return Disallowed(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response = self._request("GET", url, headers=headers)
        if response.status == 304:
            return NotModified(url)
        return self._fetched(url, response)

    def post(self, url: str, data: dict[str, str]) -> Fetched:
        """POST a form (a login); follows the redirect that usually answers it."""
        return self._fetched(url, self._request("POST", url, data=data))

    def _fetched(self, url: str, response: _Raw) -> Fetched:
        if response.status >= 400:
            raise FetchError(url, f"HTTP {response.status}")
        return Fetched(
            url=response.url,
            status=response.status,
            content=response.content,
            content_type=response.headers.get("content-type", ""),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )

    def allowed(self, url: str) -> bool:
        host = origin(url)
        with self._lock:
            parser = self._robots.get(host)
        if parser is None:
            loaded = self._load_robots(host)
            with self._lock:
                parser = self._robots.setdefault(host, loaded)
        return parser.can_fetch(ROBOTS_AGENT, url)

    def _load_robots(self, host: str) -> urllib.robotparser.RobotFileParser:
        parser = urllib.robotparser.RobotFileParser()
        try:
            response = self._request("GET", f"{host}/robots.txt", retries=0)
        except FetchError as exc:
            # RFC 9309: an unreachable robots.txt means the whole site is off limits.
            self._unreachable[host] = exc.reason
            parser.parse(DISALLOW_ALL)
            return parser
        if response.status >= 500:
            parser.parse(DISALLOW_ALL)
        elif response.status >= 400:
            parser.parse([])  # no robots.txt: everything is allowed
        else:
            parser.parse(response.content.decode("utf-8", "replace").splitlines())
        return parser

    def _request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        retries: int | None = None,
    ) -> _Raw:
        attempts = (self._settings.crawl_retries if retries is None else retries) + 1
        for attempt in range(attempts):
            try:
                with self._slot(url):
                    response = self._send(method, url, headers, data)
            except httpx.TooManyRedirects as exc:
                raise FetchError(url, "too many redirects") from exc
            except httpx.HTTPError as exc:
                if attempt + 1 == attempts:
                    raise FetchError(url, f"{type(exc).__name__}: {exc}") from exc
                time.sleep(self._backoff(attempt, None))
                continue
            if response.status in RETRY_STATUSES and attempt + 1 < attempts:
                time.sleep(self._backoff(attempt, response.headers.get("retry-after")))
                continue
            return response
        raise AssertionError("unreachable: the loop returns or raises")

    def _send(
        self, method: str, url: str, headers: dict[str, str] | None, data: dict[str, str] | None
    ) -> _Raw:
        limit = self._settings.crawl_max_bytes
        with self._client.stream(method, url, headers=headers, data=data) as response:
            declared = int(response.headers.get("content-length") or 0)
            if declared > limit:
                raise FetchError(url, f"larger than the limit of {limit} bytes")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise FetchError(url, f"larger than the limit of {limit} bytes")
            return _Raw(str(response.url), response.status_code, response.headers, bytes(body))

    @contextmanager
    def _slot(self, url: str) -> Iterator[None]:
        """Wait for a free request slot of the host and for the host's next turn."""
        host = origin(url)
        with self._lock:
            slot = self._slots[host]
        with slot:
            with self._lock:  # reserve the next start time, then wait outside the lock
                now = time.monotonic()
                due = max(now, self._last_request.get(host, -1e9) + self._settings.crawl_delay)
                self._last_request[host] = due
            if due > now:
                time.sleep(due - now)
            yield

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), MAX_RETRY_AFTER)
            except ValueError:
                try:
                    wait = parsedate_to_datetime(retry_after).timestamp() - time.time()
                except (TypeError, ValueError):
                    wait = 0.0
                return min(max(wait, 0.0), MAX_RETRY_AFTER)
        return min(0.5 * 2.0**attempt, MAX_RETRY_AFTER)
