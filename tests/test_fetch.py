from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from crawler.errors import FetchError
from crawler.fetch import Disallowed, Fetched, Fetcher, NotModified
from tests.factories import make_settings
from tests.servers import Reply, RouteServer, html

ROBOTS = Reply(200, b"User-agent: *\nDisallow: /privat/\n", {"Content-Type": "text/plain"})


def test_robots_txt_is_honoured_and_fetched_once_per_host(tmp_path: Path) -> None:
    routes = {"/robots.txt": ROBOTS, "/privat/x.html": Reply(200, html("X", "<p>x</p>"))}
    with RouteServer(routes) as server, Fetcher(make_settings(tmp_path)) as fetcher:
        assert isinstance(fetcher.get(f"{server.url}/privat/x.html"), Disallowed)
        with pytest.raises(FetchError, match="HTTP 404"):
            fetcher.get(f"{server.url}/offen.html")  # allowed, so it is requested
        assert server.hits.get("/privat/x.html") is None
        assert server.hits["/robots.txt"] == 1


def test_the_user_agent_names_the_service(tmp_path: Path) -> None:
    seen: list[str] = []

    def page(handler: BaseHTTPRequestHandler) -> Reply:
        seen.append(handler.headers["User-Agent"])
        return Reply(200, html("A", "<p>a</p>"))

    with RouteServer({"/a.html": page}) as server, Fetcher(make_settings(tmp_path)) as fetcher:
        fetcher.get(f"{server.url}/a.html")
    assert seen and seen[0].startswith("DEFUS-KB-Crawler/")


def test_conditional_get_answers_not_modified(tmp_path: Path) -> None:
    def page(handler: BaseHTTPRequestHandler) -> Reply:
        if handler.headers.get("If-None-Match") == '"v1"':
            return Reply(304)
        return Reply(200, html("A", "<p>a</p>"), {"ETag": '"v1"'})

    with RouteServer({"/a.html": page}) as server, Fetcher(make_settings(tmp_path)) as fetcher:
        first = fetcher.get(f"{server.url}/a.html")
        assert isinstance(first, Fetched) and first.etag == '"v1"'
        assert isinstance(fetcher.get(f"{server.url}/a.html", etag='"v1"'), NotModified)


def test_server_errors_are_retried_with_retry_after(tmp_path: Path) -> None:
    answers = [Reply(503, b"busy", {"Retry-After": "0"}), Reply(200, html("A", "<p>a</p>"))]
    routes = {"/a.html": lambda handler: answers.pop(0)}
    with RouteServer(routes) as server, Fetcher(make_settings(tmp_path)) as fetcher:
        result = fetcher.get(f"{server.url}/a.html")
    assert isinstance(result, Fetched) and result.status == 200


def test_http_errors_raise_with_the_status(tmp_path: Path) -> None:
    with (
        RouteServer({}) as server,
        Fetcher(make_settings(tmp_path)) as fetcher,
        pytest.raises(FetchError, match="HTTP 404"),
    ):
        fetcher.get(f"{server.url}/fehlt.html")


def test_responses_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    routes = {"/gross.pdf": Reply(200, b"%PDF-" + b"0" * 5000, {"Content-Type": "application/pdf"})}
    settings = make_settings(tmp_path, crawl_max_bytes=1000)
    with (
        RouteServer(routes) as server,
        Fetcher(settings) as fetcher,
        pytest.raises(FetchError, match="limit"),
    ):
        fetcher.get(f"{server.url}/gross.pdf")


def test_redirect_loops_end_with_an_error(tmp_path: Path) -> None:
    routes = {
        "/a": Reply(302, b"", {"Location": "/b"}),
        "/b": Reply(302, b"", {"Location": "/a"}),
    }
    with (
        RouteServer(routes) as server,
        Fetcher(make_settings(tmp_path)) as fetcher,
        pytest.raises(FetchError, match="redirects"),
    ):
        fetcher.get(f"{server.url}/a")


def test_unreachable_hosts_raise_after_retries(tmp_path: Path) -> None:
    with RouteServer({}) as server:
        url = server.url  # the port is closed once the server stops
    with (
        Fetcher(make_settings(tmp_path, crawl_retries=1)) as fetcher,
        pytest.raises(FetchError, match="unreachable"),
    ):
        fetcher.get(f"{url}/a.html")
