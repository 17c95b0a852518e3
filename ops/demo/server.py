"""A small HTTP server for the demo site, from package data, on loopback.

It behaves like the real sites the crawler meets: robots.txt, ETag and Last-Modified with 304
answers, a members area behind a login form with a session cookie.

    >>> with DemoSite() as site:
    ...     print(site.base_url)
"""

from __future__ import annotations

import hashlib
import mimetypes
import secrets
import threading
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from importlib.resources.abc import Traversable
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlsplit

from ops.demo import CREDENTIALS

MEMBERS_PREFIX = "/intern/"
LOGIN_PAGE = "/intern/login.html"
COOKIE = "demo_session"
# Fixed so that a re-crawl sees unchanged pages as unchanged.
LAST_MODIFIED = formatdate(1_735_689_600, usegmt=True)
TEXT_TYPES = {".html", ".xml", ".txt", ".css"}


class DemoSite:
    """Serves the demo site in a background thread; ``port=0`` picks a free port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self._server.sessions = set()  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _site() -> Traversable:
    return resources.files("ops.demo").joinpath("site")


class _Handler(BaseHTTPRequestHandler):
    server_version = "DemoSite/1.0"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the crawl report says what happened."""

    @property
    def _sessions(self) -> set[str]:
        sessions: set[str] = self.server.sessions  # type: ignore[attr-defined]
        return sessions

    def _logged_in(self) -> bool:
        for part in self.headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and value in self._sessions:
                return True
        return False

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/intern/login":
            self.send_error(HTTPStatus.METHOD_NOT_ALLOWED)
            return
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("utf-8"))
        user = form.get("username", [""])[0]
        password = form.get("password", [""])[0]
        if (user, password) != (CREDENTIALS.username, CREDENTIALS.password):
            self._redirect(LOGIN_PAGE + "?fehler=1")
            return
        token = secrets.token_hex(16)
        self._sessions.add(token)
        self._redirect("/intern/sicherheit-im-bahnhofsviertel/", cookie=f"{COOKIE}={token}")

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith(MEMBERS_PREFIX) and path != LOGIN_PAGE and not self._logged_in():
            self._redirect(LOGIN_PAGE)
            return
        target = _site()
        for part in path.strip("/").split("/"):
            if part in {"..", "."}:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            if part:
                target = target.joinpath(part)
        if path.endswith("/"):
            target = target.joinpath("index.html")
        if not target.is_file():
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = target.read_bytes()
        suffix = "." + target.name.rsplit(".", 1)[-1]
        if suffix in TEXT_TYPES:
            host = self.headers.get("Host") or "127.0.0.1"
            body = body.replace(b"{{base_url}}", f"http://{host}".encode())
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if suffix == ".xml":
            ctype = "application/rss+xml" if "feed" in target.name else "application/xml"
        if suffix in TEXT_TYPES:
            ctype += "; charset=utf-8"
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", LAST_MODIFIED)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str, cookie: str | None = None) -> None:
        self.send_response(HTTPStatus.SEE_OTHER)
        self.send_header("Location", location)
        if cookie:
            self.send_header("Set-Cookie", f"{cookie}; HttpOnly; Path=/intern/; SameSite=Lax")
        self.send_header("Content-Length", "0")
        self.end_headers()
