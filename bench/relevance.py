"""Search quality on the demo corpus: nDCG@10 and recall@10 over the graded relevance set.

    python -m bench relevance [--verbose]

The set (``tests/data/relevance.json``) judges demo documents by URL path with grades 1–3.
recall@10 counts documents graded 2 or 3, out of at most ten.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from crawler.crawl import Crawler
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


def _dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench relevance")
    parser.add_argument("--verbose", action="store_true", help="one line per query")
    args = parser.parse_args(argv)
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
