"""Costly queries are bounded (issue 17, point 5): patterns need letters, ranges over words are
no ranges, an expansion or a query past its budget is refused with a reason, and a few costly
queries at once do not hold up a simple one."""

from __future__ import annotations

import contextlib
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.corpus import documents
from index.errors import QueryTooBroadError
from index.indexer import Index
from index.search import SearchRequest, SearchService
from kb.derived import Derived
from kb.fingerprint import text_hash
from kb.store import Store
from ops.errors import InvalidError
from ops.search import search
from ops.services import Services
from tests.factories import make_settings

# Costly forms that an anonymous visitor may type; each must end soon, refused or answered.
COSTLY = ["[a TO z]", "??*", "a*", "sta* OR ver* OR gew* OR sch*", "Gewlatpraevnetion~2/1"]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchService]:
    folder: Path = tmp_path_factory.mktemp("cost")
    store = Store.open(folder / "kb.sqlite3")
    with store.transaction():
        for doc in documents(800, seed=5):  # unlabelled: the cost is the index's, not the labels'
            store.upsert_document(doc, derived=Derived(text_hash(doc.text), None, {}))
    index = Index(folder / "index")
    index.sync(store, procs=1)
    found = SearchService(index, store)
    yield found
    found.close()
    store.close()


def _run(service: SearchService, query: str) -> None:
    with contextlib.suppress(QueryTooBroadError):
        service.search(SearchRequest(query))


def test_patterns_without_letters_and_word_ranges_are_refused_with_a_reason(
    service: SearchService,
) -> None:
    for query in ("??*", "a*"):
        with pytest.raises(QueryTooBroadError, match="3 letters before its first"):
            service.search(SearchRequest(query))
    start = time.monotonic()
    service.search(SearchRequest("[a TO z]"))  # words, not a range over the vocabulary
    assert time.monotonic() - start < 1.0
    assert service.search(SearchRequest("sta*")).total > 0  # a narrow pattern is fine


def test_the_refusal_is_the_operations_and_the_pages_message(tmp_path: Path) -> None:
    services = Services.open(make_settings(tmp_path))
    try:
        with pytest.raises(InvalidError, match="letters before"):
            search(services, SearchRequest("??*"))
    finally:
        services.close()


def test_six_costly_queries_at_once_hold_up_a_simple_one_little(service: SearchService) -> None:
    simple = SearchRequest("stadt")
    service.search(simple)
    for query in COSTLY:  # warm: searchers, caches
        _run(service, query)

    def timed() -> float:
        start = time.perf_counter()
        service.search(simple)
        return time.perf_counter() - start

    alone = statistics.median(timed() for _ in range(5))
    stop = threading.Event()

    def costly(query: str) -> None:
        while not stop.is_set():
            _run(service, query)

    threads = [threading.Thread(target=costly, args=(COSTLY[n % len(COSTLY)],)) for n in range(6)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.2)
        busy = statistics.median(timed() for _ in range(5))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    # Behind one searcher (or one lock) it would wait for costly queries of up to a second.
    assert busy - alone < 0.4, (alone, busy)
