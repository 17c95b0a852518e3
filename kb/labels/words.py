"""Seeds matched word by word: each distinct word is looked up once (and remembered), by its
whole, its beginnings, its endings and its inner parts, in four tables of seed words."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from kb.labels.vocabulary import Part

# Longest inner part looked up: longer seed words open on both sides are not written.
MAX_INNER = 24
# Words remembered before the memory starts again (a crawl meets new words without end).
MEMORY = 200_000
# What most words match: one object for all of them, not an empty set each (200 bytes, and
# each a place in memory that reading a text's matches visits).
_NONE: frozenset[int] = frozenset()


class SeedTable:
    """Finds which seed words (by number) each word of a text matches."""

    def __init__(self, parts: Iterable[Part]) -> None:
        self.ids: dict[Part, int] = {}
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._prefix: dict[str, list[int]] = defaultdict(list)
        self._suffix: dict[str, list[int]] = defaultdict(list)
        self._inner: dict[str, list[int]] = defaultdict(list)
        for part in parts:
            if part in self.ids:
                continue
            number = self.ids[part] = len(self.ids)
            table = (
                self._inner
                if part.left and part.right
                else self._prefix
                if part.right
                else self._suffix
                if part.left
                else self._exact
            )
            table[part.text].append(number)
        self.known: dict[str, frozenset[int]] = {}
        # The lengths each table holds: a new word is cut only into parts of those lengths.
        self._prefix_sizes = sorted({len(text) for text in self._prefix})
        self._suffix_sizes = sorted({len(text) for text in self._suffix})
        # Inner parts are few: asking the word for each is faster than cutting it into pieces.
        self._inner_parts = [
            (text, tuple(numbers))
            for text, numbers in self._inner.items()
            if len(text) <= MAX_INNER
        ]
        # Most words hold none: one search in C says whether to ask for each.
        self._any_inner = re.compile(
            "|".join(re.escape(text) for text, _ in self._inner_parts) or r"(?!x)x"
        )

    def word(self, word: str) -> frozenset[int]:
        """The seed words ``word`` (lower case) matches."""
        found = self.known.get(word)
        if found is not None:
            return found
        ids: list[int] = list(self._exact.get(word, ()))
        size = len(word)
        for length in self._prefix_sizes:
            if length > size:
                break
            ids += self._prefix.get(word[:length], ())
        for length in self._suffix_sizes:
            if length > size:
                break
            ids += self._suffix.get(word[size - length :], ())
        if self._any_inner.search(word):
            for text, numbers in self._inner_parts:
                if text in word:
                    ids += numbers
        if len(self.known) >= MEMORY:
            self.known.clear()
        found = self.known[word] = frozenset(ids) if ids else _NONE
        return found
