"""A graded test collection kept outside the repository: its files, eligibility and scores.

A collection is a folder with ``corpus.jsonl`` (``id``, ``url``, ``title``, ``text``, optional
``date`` as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, ``lang``, ``kind``, optional ``city``) and
``queries.jsonl`` (``qid``, ``query``, ``type``, ``filters``, ``relevant``: document id → grade
1 or 2). Scores follow the collection's own definition: nDCG@10 with the grade as gain and the
ideal from all judged documents, recall@10 over every judged document.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

K = 10
REPOSITORY = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Judged:
    qid: str
    query: str
    type: str
    filters: dict[str, str]
    relevant: dict[str, int]


@dataclass(frozen=True)
class Collection:
    documents: list[dict[str, Any]]
    queries: list[Judged]


def locate(given: str) -> Path:
    """A collection folder: a relative path is taken from the repository's root, so
    ``../shared/relevance-dev`` means the same from any working directory."""
    path = Path(given)
    return path if path.is_absolute() else REPOSITORY / path


def load(folder: Path) -> Collection:
    documents = [json.loads(line) for line in _lines(folder / "corpus.jsonl")]
    queries = [
        Judged(q["qid"], q["query"], q["type"], q.get("filters") or {}, q["relevant"])
        for q in map(json.loads, _lines(folder / "queries.jsonl"))
    ]
    return Collection(documents, queries)


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text("utf-8").splitlines() if line.strip()]


def iso_date(value: str | None) -> str | None:
    """A date of the precision given, as the first day it can mean (``2021-05`` → 2021-05-01)."""
    if not value:
        return None
    year, *rest = value.split("-")
    month, day = [*rest, "01", "01"][:2]
    return f"{year}-{month}-{day}"


def eligible(document: dict[str, Any], filters: dict[str, str]) -> bool:
    """The collection's filter: every field equals the given value exactly."""
    return all(document.get(name) == value for name, value in filters.items())


def ndcg(ranked: list[str], relevant: dict[str, int]) -> float:
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:K]))
    ideal = sorted(relevant.values(), reverse=True)[:K]
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 0.0


def recall(ranked: list[str], relevant: dict[str, int]) -> float:
    return len(set(ranked[:K]) & set(relevant)) / len(relevant) if relevant else 0.0
