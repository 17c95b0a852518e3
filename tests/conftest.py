from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from crawler.crawl import Crawler
from crawler.report import CrawlReport
from index.indexer import Index
from index.search import SearchService
from index.synonyms import SynonymTable
from kb.accounts import use_hashing
from kb.call_store import CallStore
from kb.entities import EntityConfig, EntityExtractor
from kb.entities.catalogue import seed_catalogue
from kb.entity_catalogue import EntityCatalogue
from kb.settings import Settings
from kb.store import Store
from ops.demo import CREDENTIALS, SOURCE_COLLECTION, demo_sources
from ops.demo.server import DemoSite
from tests.factories import make_settings
from tests.smtp import Inbox


def pytest_configure(config: pytest.Config) -> None:
    # Logins at test speed, here and in every `kb` process a test starts: with the service's
    # parameters each costs a third of a second of both cores, a quarter of the suite's time.
    os.environ["KB_PASSWORD_HASHING"] = "cheapest-for-tests"
    use_hashing("cheapest-for-tests")


@pytest.fixture(autouse=True)
def _root_logger_put_back() -> Iterator[None]:
    """A command run in-process configures the service's log on the root logger: it is taken
    off after the test, or server threads of later tests write their lines to the terminal."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    opened = Store.open(settings.db_path)
    yield opened
    opened.close()


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """A real SMTP server on loopback for the test."""
    handler = Inbox()
    controller = handler.serve()
    yield handler
    controller.stop()


@pytest.fixture(scope="session")
def extractor() -> EntityExtractor:
    return EntityExtractor(EntityConfig())


@pytest.fixture(scope="session")
def demo_site() -> Iterator[DemoSite]:
    with DemoSite() as site:
        yield site


class DemoCorpus:
    """The demo site crawled once per test session into its own data directory."""

    def __init__(self, settings: Settings, store: Store, report: CrawlReport) -> None:
        self.settings = settings
        self.store = store
        self.report = report
        self.index = Index(settings.index_dir)
        CallStore(store).refresh()  # what is derived from the store, as `Services.sync` does
        self.index.sync(store)
        self.search = SearchService(self.index, store)


@pytest.fixture(scope="session")
def demo(
    tmp_path_factory: pytest.TempPathFactory, demo_site: DemoSite, extractor: EntityExtractor
) -> Iterator[DemoCorpus]:
    settings = make_settings(tmp_path_factory.mktemp("demo"))
    store = Store.open(settings.db_path)
    EntityCatalogue(store).seed(seed_catalogue())  # as the services do on first use
    SynonymTable(store).seed()
    sources = demo_sources(demo_site.base_url)
    for source in sources:
        store.add_source(source)
    report = Crawler(store, settings, extractor, {SOURCE_COLLECTION: CREDENTIALS}).run(sources)
    corpus = DemoCorpus(settings, store, report)
    yield corpus
    corpus.search.close()
    store.close()


# Chromium must not reach out to the network on its own (updates, sync, safe browsing).
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, driven by Playwright; one per test session."""
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is required (scripts/test installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
