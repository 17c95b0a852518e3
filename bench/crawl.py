"""Crawling a generated loopback site: pages per second, peak memory, and the recrawl.

    python -m bench crawl [--pages 2000]

A site of ``--pages`` article pages (about 400 words each, German and English) behind paginated
listings, with ETags, served on loopback; politeness delays off. Prints the first crawl's pages
per second, the recrawl's (every page answers "not modified"), their ratio, and the peak RSS
of this process.
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.corpus import documents
from crawler.crawl import Crawler
from kb.entities import EntityConfig, EntityExtractor
from kb.settings import Settings
from kb.store import Source, Store

PER_LISTING = 50


def _site(pages: int) -> dict[str, bytes]:
    site: dict[str, bytes] = {"/robots.txt": b"User-agent: *\nAllow: /\n"}
    listings = (pages + PER_LISTING - 1) // PER_LISTING
    for n, doc in enumerate(documents(pages, seed=3)):
        body = "".join(f"<p>{doc.text[i : i + 400]}</p>" for i in range(0, len(doc.text), 400))
        site[f"/artikel/{n}.html"] = (
            f"<!DOCTYPE html><html lang='{doc.lang}'><head><meta charset='utf-8'>"
            f"<title>{doc.title} – Bench</title><meta name='date' content='{doc.date}'></head>"
            f"<body><nav><a href='/artikel/'>Start</a></nav><main><article><h1>{doc.title}</h1>"
            f"{body}</article></main><footer>Impressum</footer></body></html>"
        ).encode()
    for page in range(listings):
        first = page * PER_LISTING
        links = "".join(
            f"<li><a href='/artikel/{n}.html'>{n}</a></li>"
            for n in range(first, min(first + PER_LISTING, pages))
        )
        following = f"<a rel='next' href='/artikel/seite-{page + 1}.html'>weiter</a>"
        path = "/artikel/" if page == 0 else f"/artikel/seite-{page}.html"
        site[path] = (
            "<html><head><meta name='robots' content='noindex, follow'></head><body><main>"
            f"<ul>{links}</ul>{following if page + 1 < listings else ''}</main></body></html>"
        ).encode()
    return site


def _serve(site: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            body = site.get(self.path)
            if body is None:
                self.send_error(404)
                return
            etag = '"' + hashlib.sha1(body).hexdigest() + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            kind = "text/plain" if self.path.endswith(".txt") else "text/html; charset=utf-8"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench crawl")
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args(argv)
    server = _serve(_site(args.pages))
    host, port = server.server_address[:2]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), crawl_delay=0.0)
        store = Store.open(settings.db_path)
        extractor = EntityExtractor(EntityConfig())
        extractor.pipeline("de")
        extractor.pipeline("en")
        source = Source("bench", f"http://{host!s}:{port}/artikel/", "news")
        timings = []
        for _ in range(2):
            start = time.perf_counter()
            report = Crawler(store, settings, extractor).run([source])
            timings.append(time.perf_counter() - start)
            stored = report.new + report.changed + report.unchanged
            print(
                f"crawl: {stored} pages in {timings[-1]:.1f} s, {stored / timings[-1]:.0f} pages/s"
                f" (new {report.new}, unchanged {report.unchanged}, failed {len(report.failed)})"
            )
        store.close()
    server.shutdown()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"recrawl {timings[0] / timings[1]:.1f} times faster; peak RSS {peak_mb:.0f} MB")
