"""What the store derives from a document's text: its fingerprints and its labels.

The store computes them itself when it is given none; an import computes them in its worker
processes beside the entities, so that the process writing the store only writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.fingerprint import simhash, text_hash
from kb.labels import Classifier, Labels
from kb.model import Document


@dataclass(frozen=True)
class Derived:
    text_hash: str
    simhash: int | None
    labels: Labels


def derive(doc: Document) -> Derived:
    return Derived(
        text_hash(doc.text),
        simhash(doc.text),
        Classifier.default().classify(doc.title, doc.text, doc.collection),
    )
