"""A document's tokens as plain Python lists, shared by all rules, and what the rules find.

Indexing spaCy tokens one by one costs more than the rules themselves, so the texts are read
once; the catalogue's matches are indexed by token.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Found:
    """A span of tokens ``[start, end)`` with its label and canonical name."""

    start: int
    end: int
    label: str
    canonical: str


class Tokens:
    def __init__(
        self,
        words: list[str],
        spaces: list[bool],
        known: list[Found],
        starts: list[int],
    ) -> None:
        self.words = words
        self.spaces = spaces
        self.size = len(words)
        self.starts = starts  # where a rule may start

        # The catalogue's match covering each token, if any.
        self.known: list[Found | None] = [None] * self.size
        for found in known:
            for k in range(found.start, found.end):
                self.known[k] = found

    def text(self, start: int, end: int) -> str:
        parts = []
        for k in range(start, end):
            parts.append(self.words[k])
            if k < end - 1 and self.spaces[k]:
                parts.append(" ")
        return "".join(parts)

    def known_at(self, k: int, label: str | None = None) -> Found | None:
        """The catalogue match that starts at token ``k`` (of ``label``), if any."""
        found = self.known[k] if 0 <= k < self.size else None
        if found is None or found.start != k or (label and found.label != label):
            return None
        return found

    def word(self, k: int) -> str:
        return self.words[k] if 0 <= k < self.size else ""
