"""Terms within a few edits of a typed one, for typo tolerance and did-you-mean.

Whoosh computes a Damerau-Levenshtein distance in Python for every term of a field; at 50,000
documents a typo query took seconds. Here a field's terms are read once per searcher (on the
first typo), grouped by their first letter (a typo rarely hits the first letter, and the
prefix halves the work many times over), and compared in C by `rapidfuzz` with the same
distance (adjacent transpositions count as one edit).

    >>> FuzzyTerms().within(reader, "body_de", "waffenverbto", 2)
    ['waffenverbot']
"""

from __future__ import annotations

import threading

from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh.reading import IndexReader


class FuzzyTerms:
    """The terms of one committed index, by field and first letter; shared by the searchers
    of that index (each reads with its own reader)."""

    def __init__(self) -> None:
        self._fields: dict[str, dict[str, list[str]]] = {}
        self._lock = threading.Lock()

    def _groups(self, reader: IndexReader, field: str) -> dict[str, list[str]]:
        groups = self._fields.get(field)
        if groups is None:
            with self._lock:  # one thread reads a field's terms; the others wait for them
                groups = self._fields.get(field)
                if groups is None:
                    groups = {}
                    if field in reader.schema:
                        for term in reader.lexicon(field):
                            text = term.decode("utf-8") if isinstance(term, bytes) else str(term)
                            groups.setdefault(text[:1], []).append(text)
                    self._fields[field] = groups
        return groups

    def within(
        self, reader: IndexReader, field: str, text: str, maxdist: int, prefix: int = 1
    ) -> list[str]:
        """Terms of ``field`` at most ``maxdist`` edits from ``text`` that share its first
        ``prefix`` letters (at least one), nearest first."""
        if not text:
            return []
        candidates = self._groups(reader, field).get(text[:1], [])
        found = process.extract(
            text, candidates, scorer=OSA.distance, score_cutoff=maxdist, limit=None
        )
        return [
            term
            for term, _, _ in sorted(found, key=lambda m: m[1])
            if term[:prefix] == text[:prefix]
        ]
