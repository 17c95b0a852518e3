"""What a document is about and for whom: labels of four families, found by rules.

>>> classifier = Classifier.default()
>>> classifier.classify("Messerverbot am Bahnhof", "Die Waffenverbotszone am Hauptbahnhof …")
{'topic': ['messergewalt', 'bahnhofsviertel'], 'target': [], 'setting': ['bahnhof'],
 'evidence': []}

The families are ``topic`` (the eleven collections' themes and the portal's wider ones),
``target`` (the target group), ``setting`` and ``evidence`` (``evaluiert`` when an evaluation or
an effect is reported). Seeds and thresholds live in ``kb/labels/data/labels.toml``;
``python -m bench topics`` measures them on the labelled set (``tests/data/labels_gold.jsonl``).
Rules, not a trained model: on the held-out part they reach the acceptance's family figures,
run at thousands of short documents a second, and a wrong label can be traced to its seed.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

from kb.formatting import typed_key
from kb.labels.classify import Classifier
from kb.labels.vocabulary import FAMILIES, Labels, Vocabulary

__all__ = [
    "FAMILIES",
    "Classifier",
    "Labels",
    "Vocabulary",
    "collection_named",
    "rules_fingerprint",
]


def rules_fingerprint() -> str:
    """What changes when the shipped rules change: the store relabels its documents then."""
    raw = resources.files("kb.labels").joinpath("data", "labels.toml").read_bytes()
    return hashlib.sha256(raw).hexdigest()[:16]


def collection_named(value: str) -> str | None:
    """The collection ``value`` names, by its name as typed (`kb.formatting.typed_key`:
    "messergewalt im oeffentlichen raum") or by its topic ("messergewalt"); None for another."""
    return _collections_typed().get(typed_key(value))


@cache
def _collections_typed() -> dict[str, str]:
    found: dict[str, str] = {}
    for collection, topic in Classifier.default().vocabulary.collections().items():
        found[typed_key(topic)] = found[typed_key(collection)] = collection
    return found
