"""What each form of query costs at scale: search with all facets, per form of query.

    python -m bench query_forms [--docs 50000] [--repeat 10]

The generated corpus of :mod:`bench.corpus` (German and English words at their real
frequencies), indexed as ``kb reindex`` does, the synonym table seeded with the lexicon; every
query runs once to warm up, then ``--repeat`` times. Prints p50, p95 and the slowest time per
form in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.corpus import documents
from index.indexer import Index
from index.search import SearchRequest, SearchService
from index.synonyms import SynonymTable
from kb.store import Store

FORMS: dict[str, list[SearchRequest]] = {
    "keyword": [SearchRequest("Sicherheit"), SearchRequest("Polizei"), SearchRequest("Stadt")],
    "natural": [
        SearchRequest("Gewalt gegen Mitarbeitende in der Verwaltung"),
        SearchRequest("wie sicher ist die Stadt nachts für Frauen"),
    ],
    "compound": [SearchRequest("Messer Gewalt"), SearchRequest("Sicherheitsbefragung")],
    "transliterated": [SearchRequest("Gewaltpraevention Schule"), SearchRequest("Strassenlaerm")],
    "typo": [SearchRequest("Kriminalpävention"), SearchRequest("Sicherhiet Stadt")],
    "acronym": [SearchRequest("KPR"), SearchRequest("DPT")],
    "english": [
        SearchRequest("violence protection in refugee shelters"),
        SearchRequest("crime prevention in schools"),
    ],
    "syntax": [
        SearchRequest('"öffentlichen Raum"'),
        SearchRequest("Polizei OR Ordnungsamt"),
        SearchRequest("Sicherheit -Polizei"),
        SearchRequest("Sicher*"),
    ],
    "filtered": [
        SearchRequest("Sicherheit Stadt", filters={"city": ["Essen"], "kind": ["news"]}),
        SearchRequest("Prävention", filters={"lang": ["en"]}),
    ],
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench query_forms")
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        store = Store.open(tmp / "kb.sqlite3")
        SynonymTable(store).seed()
        for doc in documents(args.docs):
            store.upsert_document(doc)
        index = Index(tmp / "index")
        index.rebuild(store)
        service = SearchService(index, store)
        service.search(SearchRequest("Sicherheit"))  # open the searcher and its caches
        print(f"{args.docs} documents, all facets, {args.repeat} runs per query; milliseconds")
        print(f"{'form':<15} {'p50':>7} {'p95':>7} {'max':>7}")
        for form, requests in FORMS.items():
            for request in requests:
                service.search(request)
            times = []
            for _ in range(args.repeat):
                for request in requests:
                    start = time.perf_counter()
                    service.search(request)
                    times.append((time.perf_counter() - start) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(f"{form:<15} {statistics.median(times):>7.1f} {p95:>7.1f} {times[-1]:>7.1f}")
        service.close()
        store.close()
