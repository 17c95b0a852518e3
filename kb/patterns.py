"""Regular expressions read only in texts that hold what their matches need.

An expression whose alternatives start with a group, or that ignores case, is tried at every
character of a text: the engine cannot skip ahead to where a match may start. Most texts hold no
match at all, and a plain-text look-up of a word every match contains (``in``, which skips ahead)
tells so at a fraction of the cost. A :class:`Gate` holds such words; the expression runs only
where its gate is open, so the result is the expression's own.

An expression that matches case has its needs looked up in the text as it is. One that ignores
case has them looked up in the lower-cased text (:func:`lowered`); it also equates four letters
with ASCII letters that ``str.lower`` leaves apart (İ, ı, ſ and the Kelvin sign), so a text
holding one of them opens every gate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

_UNFOLDED = ("İ", "ı", "ſ", "\u212a")


class Need:
    """Something every match contains: words joined by "|" (looked up as plain text) or an
    expression."""

    def __init__(self, expression: str) -> None:
        words = expression.split("|")
        # Plain text when nothing in a word would mean more to ``re`` than itself (a space
        # is escaped only for verbose expressions).
        plain = all(re.escape(w).replace("\\ ", " ") == w for w in words)
        self.words = words if plain else None
        self.pattern = None if self.words is not None else re.compile(expression)

    def found(self, text: str) -> bool:
        if self.words is not None:
            return any(word in text for word in self.words)
        assert self.pattern is not None
        return self.pattern.search(text) is not None


@dataclass(frozen=True)
class Gate:
    """What every match of one expression contains (all of ``needs``); none: always open."""

    needs: tuple[Need, ...] = ()

    @classmethod
    def of(cls, *needs: str) -> Gate:
        return cls(tuple(Need(n) for n in needs))

    def open(self, text: str | None) -> bool:
        """Whether the expression may match the text: as it is for an expression that matches
        case, :func:`lowered` for one that ignores it (None: it may)."""
        return text is None or all(need.found(text) for need in self.needs)


def lowered(text: str) -> str | None:
    """The text as gates look it up; None when case-insensitive matching would equate a letter
    that lower-casing does not (then every gate is open)."""
    if not text.isascii() and any(letter in text for letter in _UNFOLDED):
        return None
    return text.lower()


@dataclass(frozen=True)
class Gated:
    """Expressions that match case, joined as one (tried in order at each place, as ``re``
    does), each read only in texts that open its gate."""

    patterns: tuple[str, ...]
    gates: tuple[Gate, ...]
    _unions: dict[tuple[bool, ...], re.Pattern[str]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(cls, patterns: list[str], gates: list[Gate]) -> Gated:
        return cls(tuple(patterns), tuple(gates))

    def _reading(self, text: str) -> re.Pattern[str] | None:
        """The expressions whose gates the text opens, joined as one (None for none): the others
        match nowhere in it, so this finds what all of them joined would find."""
        opened = tuple(gate.open(text) for gate in self.gates)
        if not any(opened):
            return None
        found = self._unions.get(opened)
        if found is None:
            kept = compress(self.patterns, opened)
            found = self._unions[opened] = re.compile("|".join(f"(?:{p})" for p in kept))
        return found

    def findall(self, text: str) -> list[object]:
        pattern = self._reading(text)
        return pattern.findall(text) if pattern is not None else []

    def sub(self, replacement: str, text: str) -> str:
        pattern = self._reading(text)
        return pattern.sub(replacement, text) if pattern is not None else text


def alternatives(words: Iterable[str]) -> str:
    """An expression matching any of ``words`` and, where several match at a place, the
    longest, as their alternation sorted longest first does; but shaped as a tree of their
    common beginnings, so that the engine tries a letter's few continuations at each place,
    not every word: with the hundreds of names of cities, a tenth of the time."""
    tree: dict[str, dict[str, Any]] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _branches(tree) if tree else r"(?!x)x"


def _branches(node: dict[str, dict[str, Any]]) -> str:
    branches = [re.escape(char) + _branches(child) for char, child in sorted(node.items()) if char]
    if "" in node and branches:
        branches.append("")  # a word that ends here after those that go on: the longest first
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"
