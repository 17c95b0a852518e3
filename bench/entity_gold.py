"""The hand-annotated entity development set and its scoring.

Two parts: ``tests/data/entities_gold.txt`` to tune the rules on, and
``tests/data/entities_gold_heldout.txt``, written before the rules were tuned and never tuned on.
The format is read by `kb.entities.gold`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.scores import Scores
from kb.entities import gold
from kb.entities.gold import GoldDocument, Span
from kb.model import ENTITY_LABELS

__all__ = ["PARTS", "GoldDocument", "Scores", "load", "score"]

GOLD_DIR = Path(__file__).parent.parent / "tests" / "data"
GOLD_FILE = GOLD_DIR / "entities_gold.txt"
PARTS = {"tuning": GOLD_FILE, "held-out": GOLD_DIR / "entities_gold_heldout.txt"}


def load(path: Path = GOLD_FILE) -> list[GoldDocument]:
    return gold.load(path)


def score(gold: list[frozenset[Span]], found: list[frozenset[Span]]) -> dict[str, Scores]:
    """Exact-span precision, recall and F1 per label and micro-averaged (key ``"micro"``)."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for expected, predicted in zip(gold, found, strict=True):
        for span in predicted & expected:
            tp[span[2]] += 1
        for span in predicted - expected:
            fp[span[2]] += 1
        for span in expected - predicted:
            fn[span[2]] += 1
    result = {}
    for label in (*ENTITY_LABELS, "micro"):
        keys = ENTITY_LABELS if label == "micro" else (label,)
        counts = (sum(c[k] for k in keys) for c in (tp, fp, fn))
        result[label] = Scores.of(*counts)
    return result
