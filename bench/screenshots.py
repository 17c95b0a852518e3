"""Screenshots of the main pages at 1280 and 390 pixels wide, for anyone to look at.

    python -m bench screenshots [--out screenshots]

Crawls the bundled demo into a temporary data directory, serves it on loopback and writes one
PNG per page, width and interface language with Debian's headless Chromium (``chromium`` on
the PATH), driven by Playwright.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

from kb.settings import Settings
from ops import pipeline
from ops.demo import CREDENTIALS, SOURCE_COLLECTION, demo_sources
from ops.demo.server import DemoSite
from ops.services import Services
from web.app import create_app

PAGES = {
    "suche": "/?q=Sicherheit",
    "foerderung": "/foerderung",
    "veranstaltungen": "/veranstaltungen",
    "projekte": "/projekte",
    "praxis": "/praxis?topic=Sicherheit+im+Bahnhofsviertel",
    "newsletter": "/newsletter",
}
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
# Chromium must not reach out to the network on its own (updates, sync, safe browsing).
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench screenshots")
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    args = parser.parse_args(argv)
    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("Debian's chromium is needed (apt-get install chromium)")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as name, DemoSite() as site:
        services = Services.open(Settings(data_dir=Path(name), crawl_delay=0.0))
        sources = demo_sources(site.base_url)
        for source in sources:
            services.store.add_source(source)
        pipeline.crawl(services, sources, {SOURCE_COLLECTION: CREDENTIALS})
        port = _port()
        config = uvicorn.Config(create_app(services), port=port, log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                document = _first_document(browser.new_page(), base)
                pages = {**PAGES, "dokument": document}
                for ui in ("de", "en"):
                    for width, (x, y) in WIDTHS.items():
                        page = browser.new_page(viewport={"width": x, "height": y})
                        for name, path in pages.items():
                            joined = "&" if "?" in path else "?"
                            page.goto(f"{base}{path}{joined}ui={ui}")
                            target = args.out / f"{name}-{width}-{ui}.png"
                            page.screenshot(path=str(target), full_page=True)
                            print(target)
                        page.close()
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            services.close()


def _first_document(page: Page, base: str) -> str:
    page.goto(base + "/?q=Sicherheit")
    found = page.locator(".hit-title a").first.get_attribute("href") or "/"
    page.close()
    return found
