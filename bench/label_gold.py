"""The hand-labelled set for the label families and its scoring.

``tests/data/labels_gold.jsonl``: one document a line with its gold labels; its ``part`` field
splits it into ``tuning`` (the rules were tuned on it) and ``heldout`` (written before the rules
and never tuned on).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.scores import Scores
from kb.labels import FAMILIES, Labels
from kb.store import Store

GOLD_FILE = Path(__file__).parent.parent / "tests" / "data" / "labels_gold.jsonl"
PARTS = ("tuning", "heldout")
NOT_EVALUATED = "(nicht evaluiert)"  # the other class of the evidence family, for its macro-F1


@dataclass(frozen=True)
class GoldDocument:
    id: int
    part: str
    lang: str
    title: str
    text: str
    collection: str | None
    labels: Labels


def load(part: str | None = None, path: Path = GOLD_FILE) -> list[GoldDocument]:
    docs = []
    for line in path.read_text("utf-8").splitlines():
        raw = json.loads(line)
        labels = {f: list(raw[f]) for f in ("topic", "target", "setting")}
        labels["evidence"] = ["evaluiert"] if raw["evidence"] else []
        doc = GoldDocument(
            raw["id"],
            raw["part"],
            raw["lang"],
            raw["title"],
            raw["text"],
            raw["collection"],
            labels,
        )
        if part is None or doc.part == part:
            docs.append(doc)
    return docs


def corrected(path: Path) -> list[GoldDocument]:
    """The documents of a store that staff corrected, with their labels as they stand: the
    staff's in the corrected families, the rules' in the others (part ``staff``)."""
    store = Store.open(path)
    try:
        ids = dict.fromkeys(doc_id for doc_id, _, _ in store.staff_labels())
        docs = [store.document(doc_id) for doc_id in ids]
    finally:
        store.close()
    return [
        GoldDocument(d.id, "staff", d.lang, d.title, d.text, d.collection, d.labels)
        for d in docs
        if d is not None and d.id is not None
    ]


def score(gold: list[Labels], found: list[Labels], family: str) -> dict[str, Scores]:
    """Precision, recall and F1 of each label of one family (evidence: both classes)."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    names: set[str] = set()
    for g, f in zip(gold, found, strict=True):
        want, got = set(g[family]), set(f[family])
        if family == "evidence":
            want = want or {NOT_EVALUATED}
            got = got or {NOT_EVALUATED}
        names |= want | got
        for label in want | got:
            if label in want and label in got:
                tp[label] += 1
            elif label in got:
                fp[label] += 1
            else:
                fn[label] += 1
    return {label: Scores.of(tp[label], fp[label], fn[label]) for label in sorted(names)}


def macro_f1(scores: dict[str, Scores]) -> float:
    """The mean F1 over the labels the gold set has (a label never in it is not averaged)."""
    given = [s.f1 for s in scores.values() if s.support]
    return sum(given) / len(given) if given else 0.0


__all__ = ["FAMILIES", "PARTS", "GoldDocument", "Scores", "load", "macro_f1", "score"]
