"""Search quality on the demo corpus may only rise: floors just under what was measured."""

from __future__ import annotations

from bench.relevance import evaluate
from ops.demo.server import DemoSite
from tests.conftest import DemoCorpus


def test_relevance_does_not_regress(demo: DemoCorpus, demo_site: DemoSite) -> None:
    scores = evaluate(demo.search, demo_site.base_url)
    assert len(scores) >= 40
    ndcg = sum(s.ndcg for s in scores) / len(scores)
    recall = sum(s.recall for s in scores) / len(scores)
    # Measured 0.872 and 0.893 with `python -m bench relevance`.
    assert ndcg >= 0.86
    assert recall >= 0.88


def test_typos_find_what_the_correct_spelling_finds(demo: DemoCorpus, demo_site: DemoSite) -> None:
    by_query = {s.query: s for s in evaluate(demo.search, demo_site.base_url)}
    assert by_query["Sicherheitsaudti"].found[:3] == by_query["Sicherheitsaudit"].found[:3]
    assert by_query["Messergewlt"].found[:3] == by_query["Messergewalt"].found[:3]
