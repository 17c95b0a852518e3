"""Search at scale, Whoosh against SQLite FTS5 on the same generated corpus.

    python -m bench search_scale [--docs 50000] [--queries 200] [--import-docs 1000]

Prints: store writing and index rebuild throughput; `kb import` throughput with entity
extraction; search latency p50/p95 (warm: every query runs once before timing) for plain
queries (top 10 and total), queries with all facet counts, and filtered queries (city and kind),
for this service's search and for FTS5 (BM25, facet counts by GROUP BY, snippets for the shown
hits on both sides); and the ratio of the p95 figures.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.corpus import documents, queries
from crawler.jsonl import import_lines
from index.indexer import Index
from index.schema import FACETS, IndexContext, facet_values
from index.search import SearchRequest, SearchService
from kb.entities import EntityConfig, EntityExtractor
from kb.store import Store

FACET_FILTER = {"city": ["Essen"], "kind": ["news", "publication"]}
IMPORT_WORKERS = 2  # as `kb import` runs on two cores


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _timed(run: Callable[[str], object], texts: list[str]) -> tuple[float, float]:
    for text in texts:  # warm: caches, OS pages, searcher
        run(text)
    times = []
    for text in texts:
        start = time.perf_counter()
        run(text)
        times.append(time.perf_counter() - start)
    return _percentiles(times)


class Fts5:
    """The same documents in SQLite FTS5 (visibility as a column), facets in a side table."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.executescript(
            """CREATE VIRTUAL TABLE fts USING fts5(
                   title, body, members UNINDEXED, tokenize='unicode61 remove_diacritics 2');
               CREATE TABLE facets (doc INTEGER, facet TEXT, value TEXT);"""
        )

    def load(self, store: Store) -> float:
        start = time.perf_counter()
        count = 0
        with self.db:
            for _, doc in store.documents_since(0):
                self.db.execute(
                    "INSERT INTO fts(rowid, title, body, members) VALUES (?,?,?,?)",
                    (doc.id, doc.title, doc.text, int(doc.members_only)),
                )
                values = facet_values(doc, IndexContext())
                self.db.executemany(
                    "INSERT INTO facets VALUES (?,?,?)",
                    [(doc.id, f, v) for f in FACETS for v in values.get(f, [])],
                )
                count += 1
            self.db.execute("CREATE INDEX facets_doc ON facets(doc)")
            self.db.execute("CREATE INDEX facets_value ON facets(facet, value, doc)")
        return count / (time.perf_counter() - start)

    def search(self, text: str, facets: bool, filtered: bool) -> None:
        match = " ".join('"' + w.replace('"', "") + '"' for w in text.split())
        where = "fts MATCH ? AND members = 0"
        args: list[object] = [match]
        if filtered:
            for facet, values in FACET_FILTER.items():
                marks = ",".join("?" * len(values))
                where += (
                    f" AND rowid IN (SELECT doc FROM facets WHERE facet=? AND value IN ({marks}))"
                )
                args += [facet, *values]
        self.db.execute(
            f"SELECT rowid, snippet(fts, 1, '<mark>', '</mark>', ' … ', 20) FROM fts"
            f" WHERE {where} ORDER BY bm25(fts, 3.0, 1.0) LIMIT 10",
            args,
        ).fetchall()
        self.db.execute(f"SELECT count(*) FROM fts WHERE {where}", args).fetchone()
        if facets:
            self.db.execute(
                f"SELECT facet, value, count(*) FROM facets JOIN"
                f" (SELECT rowid AS doc FROM fts WHERE {where}) USING (doc) GROUP BY facet, value",
                args,
            ).fetchall()


def _import_rate(count: int, tmp: Path) -> float:
    """``kb import`` of JSON lines: parsing, language, entities, store, index."""
    store = Store.open(tmp / "import.sqlite3")
    lines = [
        json.dumps({"url": d.url, "title": d.title, "text": d.text, "kind": d.kind})
        for d in documents(count, seed=99)
    ]
    extractor = EntityExtractor(EntityConfig())
    extractor.pipeline("de")
    extractor.pipeline("en")
    start = time.perf_counter()
    import_lines(lines, store, extractor, workers=IMPORT_WORKERS)
    Index(tmp / "import-index").sync(store, procs=IMPORT_WORKERS)
    return count / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench search_scale")
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--import-docs", type=int, default=1000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        store = Store.open(tmp / "kb.sqlite3")
        start = time.perf_counter()
        for doc in documents(args.docs):
            store.upsert_document(doc)
        print(f"store: {args.docs} documents at {args.docs / (time.perf_counter() - start):.0f}/s")
        index = Index(tmp / "index")
        start = time.perf_counter()
        index.rebuild(store)
        print(f"reindex: {args.docs / (time.perf_counter() - start):.0f} documents/s")
        print(f"import with entities: {_import_rate(args.import_docs, tmp):.0f} documents/s")
        fts = Fts5(tmp / "fts.sqlite3")
        print(f"FTS5 load: {fts.load(store):.0f} documents/s")
        service = SearchService(index, store)
        texts = queries(args.queries)
        modes: dict[str, tuple[Callable[[str], object], Callable[[str], object]]] = {
            "plain": (
                lambda q: service.search(SearchRequest(q, facets=False)),
                lambda q: fts.search(q, facets=False, filtered=False),
            ),
            "all facets": (
                lambda q: service.search(SearchRequest(q)),
                lambda q: fts.search(q, facets=True, filtered=False),
            ),
            "filtered": (
                lambda q: service.search(SearchRequest(q, filters=FACET_FILTER)),
                lambda q: fts.search(q, facets=True, filtered=True),
            ),
        }
        print(f"{len(texts)} queries, {args.docs} documents, warm; milliseconds")
        print(
            f"{'mode':<11} {'kb p50':>7} {'kb p95':>7} {'fts p50':>8} {'fts p95':>8} {'ratio':>6}"
        )
        for mode, (ours, theirs) in modes.items():
            p50, p95 = _timed(ours, texts)
            f50, f95 = _timed(theirs, texts)
            print(f"{mode:<11} {p50:>7.1f} {p95:>7.1f} {f50:>8.1f} {f95:>8.1f} {p95 / f95:>6.2f}")
        service.close()
