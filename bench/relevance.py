"""Search quality: nDCG@10 and recall@10, on the demo or on a test collection in files.

    python -m bench relevance [--verbose]
    python -m bench relevance --set ../shared/relevance-dev [--verbose] [--halves]

Without ``--set``: the graded set ``tests/data/relevance.json`` judges demo documents by URL
path with grades 1–3; recall@10 counts documents graded 2 or 3, out of at most ten.

With ``--set``: the collection's documents go through ``kb import`` (entities included) into a
fresh store and index, every query is searched with its filters, and the collection's reference
baseline (:mod:`bench.baseline`) runs beside it; figures overall and per query type. A relative
folder is taken from the repository's root; a missing one is skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import collection as coll
from crawler.crawl import Crawler
from crawler.jsonl import import_lines
from crawler.urls import normalize
from index.search import SearchRequest, SearchService
from kb.settings import Settings
from kb.viewer import ANONYMOUS, MEMBER
from ops.demo import CREDENTIALS, SOURCE_COLLECTION, demo_sources
from ops.demo.server import DemoSite
from ops.services import Services

RELEVANCE_FILE = Path(__file__).parent.parent / "tests" / "data" / "relevance.json"
K = 10


@dataclass(frozen=True)
class QueryScore:
    id: str
    query: str
    ndcg: float
    recall: float
    found: list[str]
    type: str = ""


def _dcg(grades: list[int]) -> float:
    return sum(float(2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def evaluate(search: SearchService, base_url: str) -> list[QueryScore]:
    scores = []
    for case in json.loads(RELEVANCE_FILE.read_text("utf-8"))["queries"]:
        judged: dict[str, int] = case["judgments"]
        request = SearchRequest(
            case["query"],
            filters={k: v if isinstance(v, list) else [v] for k, v in case["filters"].items()},
            per_page=K,
            viewer=MEMBER if case.get("members") else ANONYMOUS,
        )
        paths = [hit.url.removeprefix(base_url) for hit in search.search(request).hits]
        ideal = _dcg(sorted(judged.values(), reverse=True)[:K])
        ndcg = _dcg([judged.get(p, 0) for p in paths]) / ideal if ideal else 0.0
        relevant = {p for p, g in judged.items() if g >= 2}
        recall = len(relevant & set(paths)) / min(K, len(relevant)) if relevant else 1.0
        scores.append(QueryScore(case["id"], case["query"], ndcg, recall, paths))
    return scores


def demo_search(data_dir: Path, site: DemoSite) -> Services:
    """The demo crawled into ``data_dir`` the way ``kb demo`` does it."""
    services = Services.open(Settings(data_dir=data_dir, crawl_delay=0.0))
    sources = demo_sources(site.base_url)
    crawler = Crawler(
        services.store, services.settings, services.extractor, {SOURCE_COLLECTION: CREDENTIALS}
    )
    crawler.run(sources)
    services.index.sync(services.store)
    return services


def collection_search(
    collection: coll.Collection, data_dir: Path
) -> Callable[[coll.Judged], list[str]]:
    """The collection imported into ``data_dir`` as ``kb import`` does it; the returned
    function ranks one query's documents by their collection ids."""
    services = Services.open(Settings(data_dir=data_dir, crawl_delay=0.0))
    lines = [
        json.dumps(
            {
                "url": d["url"],
                "title": d["title"],
                "text": d["text"],
                "date": coll.iso_date(d.get("date")),
                "lang": d["lang"],
                "kind": d["kind"],
                "city": d.get("city"),
            }
        )
        for d in collection.documents
    ]
    report = import_lines(lines, services.store, services.fresh_extractor())
    assert not report.errors, report.render()
    services.index.sync(services.store)
    ids = {normalize(d["url"]): d["id"] for d in collection.documents}

    def ranked(query: coll.Judged) -> list[str]:
        request = SearchRequest(
            query.query,
            filters={name: [value] for name, value in query.filters.items()},
            per_page=K,
            facets=False,
        )
        return [ids[hit.url] for hit in services.search.search(request).hits]

    return ranked


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


@dataclass(frozen=True)
class Row:
    query: coll.Judged
    ndcg: float
    recall: float
    base_ndcg: float
    base_recall: float


def run_collection(folder: Path, verbose: bool, halves: bool) -> None:
    from bench.baseline import Baseline  # the dev extra bm25s: only this mode needs it

    collection = coll.load(folder)
    baseline = Baseline(collection)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ours = collection_search(collection, Path(tmp))
        for query in collection.queries:
            found, base = ours(query), baseline.ranked(query)
            rel = query.relevant
            rows.append(
                Row(
                    query,
                    *(coll.ndcg(found, rel), coll.recall(found, rel)),
                    *(coll.ndcg(base, rel), coll.recall(base, rel)),
                )
            )
    if verbose:
        for row in rows:
            print(
                f"{row.query.qid} {row.query.type:<9} ndcg={row.ndcg:.2f} ({row.base_ndcg:.2f})"
                f" recall={row.recall:.2f} ({row.base_recall:.2f})  {row.query.query}"
            )
    groups: dict[str, list[Row]] = {"all": rows}
    for row in rows:
        groups.setdefault(row.query.type, []).append(row)
    if halves:  # a change that helps both halves is not fitted to single queries
        groups["odd qids"] = [r for r in rows if int(r.query.qid[-1]) % 2]
        groups["even qids"] = [r for r in rows if not int(r.query.qid[-1]) % 2]
    print(f"collection {folder.name}: {len(rows)} queries, {len(collection.documents)} documents")
    print(f"{'':<10} {'n':>3} {'nDCG@10':>8} {'baseline':>8} {'recall@10':>9} {'baseline':>8}")
    for name, group in groups.items():
        ndcg, base_ndcg = _mean([r.ndcg for r in group]), _mean([r.base_ndcg for r in group])
        recall, base_recall = (
            _mean([r.recall for r in group]),
            _mean([r.base_recall for r in group]),
        )
        print(
            f"{name:<10} {len(group):>3} {ndcg:>8.3f} {base_ndcg:>8.3f}"
            f" {recall:>9.3f} {base_recall:>8.3f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench relevance")
    parser.add_argument("--verbose", action="store_true", help="one line per query")
    parser.add_argument("--set", help="folder of a test collection (corpus.jsonl, queries.jsonl)")
    parser.add_argument("--halves", action="store_true", help="also odd and even query ids")
    args = parser.parse_args(argv)
    if args.set:
        folder = coll.locate(args.set)
        if not (folder / "queries.jsonl").is_file():
            print(f"skipped: no test collection in {args.set}")
            return
        run_collection(folder, args.verbose, args.halves)
        return
    with tempfile.TemporaryDirectory() as tmp, DemoSite() as site:
        services = demo_search(Path(tmp), site)
        scores = evaluate(services.search, site.base_url)
        services.close()
    if args.verbose:
        for s in scores:
            print(f"{s.id} ndcg={s.ndcg:.2f} recall={s.recall:.2f}  {s.query}")
    ndcg = sum(s.ndcg for s in scores) / len(scores)
    recall = sum(s.recall for s in scores) / len(scores)
    print(f"queries: {len(scores)}  nDCG@{K}: {ndcg:.3f}  recall@{K}: {recall:.3f}")
