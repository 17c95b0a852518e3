"""Snippets: the passage of a document with the most query words, the words marked.

Runs on the shown hits only, over the stored text. A fast pass finds the places where a matched
index term occurs in the lower-cased text, in any of its spellings (stems begin or lie inside
the words they come from); a word there is marked only if its own analysis gives a matched
term. So "Sicherheitsaudit" is marked for a search for Audit, and "Auditorium" is not, though
it holds the stem "audit"; "Beratung" is not marked for "Rat".
"""

from __future__ import annotations

import html
import re
from collections import Counter

from index.analysis import LANGUAGES, terms

SNIPPET_CHARS = 240
# How a folded letter of an index term may be written in the text: "pravention" finds
# "Prävention" and "Praevention", "strass" finds "Straße". Searching the lower-cased text with
# these spares folding each text (str.translate is slow on non-ASCII text).
_SPELLINGS = {
    "a": ("ae", "a", "ä", "á", "à", "â"),
    "o": ("oe", "o", "ö", "ó", "ò", "ô"),
    "u": ("ue", "u", "ü", "ú", "ù", "û"),
    "e": ("e", "é", "è", "ê"),
    "i": ("i", "í", "ì", "î"),
    "c": ("c", "ç"),
    "n": ("n", "ñ"),
    "ss": ("ss", "ß"),
}


def _ways(mark: str) -> list[tuple[str, ...]]:
    """How each letter of ``mark`` may be written ("ss" counts as one)."""
    units = []
    i = 0
    while i < len(mark):
        unit = "ss" if mark.startswith("ss", i) else mark[i]
        units.append(_SPELLINGS.get(unit, (unit,)))
        i += len(unit)
    return units


def _either(ways: tuple[str, ...]) -> str:
    """A pattern for the ways of one letter: "(?:ae|[aäáàâ])"."""
    if len(ways) == 1:
        return re.escape(ways[0])
    letters = "".join(w for w in ways if len(w) == 1)
    return "(?:" + "|".join([w for w in ways if len(w) > 1] + [f"[{letters}]"]) + ")"


def _pattern(marks: set[str]) -> re.Pattern[str] | None:
    """One expression for the ways the marks may be written, its branches grouped by their first
    letter: then the regular expression engine looks only at places where one may start, and
    there tries only those that start with the letter found (several times faster than
    trying every mark at every place)."""
    branches: dict[str, list[str]] = {}
    for mark in sorted(marks, key=len, reverse=True):
        if not mark.isalpha():
            continue
        # English stems end in "i" where words end in "y" ("safeti" ← "safety").
        ways = _ways(mark[:-1] if mark.endswith("i") and len(mark) > 1 else mark)
        rest = "".join(_either(w) for w in ways[1:])
        for way in ways[0]:
            branches.setdefault(way[0], []).append(re.escape(way[1:]) + rest)
    if not branches:
        return None
    return re.compile(
        "|".join(f"{re.escape(first)}(?:{'|'.join(rest)})" for first, rest in branches.items())
    )


class Highlighter:
    """Marks the words of a query's matched terms in texts; built once per search."""

    def __init__(self, marks: set[str]) -> None:
        self._marks = marks
        # No leading \w*: it would backtrack through every word; the words are found around
        # the (few) matches instead.
        self._pattern = _pattern(marks)
        self._marked: dict[str, bool] = {}  # a word recurs in a text and across the hits

    def marks(self, word: str) -> bool:
        """Whether the analysis of ``word`` (either language, compound parts included) gives
        one of the matched terms."""
        lowered = word.lower()
        found = self._marked.get(lowered)
        if found is None:
            found = self._marked[lowered] = any(
                term in self._marks for lang in LANGUAGES for term in terms(lang, lowered, True)
            )
        return found

    def snippet(self, text: str) -> str:
        """HTML: the best window of ``text`` with matched words in ``<mark>``; else the opening."""
        lowered = text.lower()
        hits: list[tuple[int, int, str]] = []
        if self._pattern is not None and len(lowered) == len(text):
            for match in self._pattern.finditer(lowered):
                start, end = _word_around(lowered, match.start(), match.end())
                if (not hits or start >= hits[-1][1]) and self.marks(text[start:end]):
                    hits.append((start, end, lowered[start:end]))
        if not hits:
            opening = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] if len(text) > SNIPPET_CHARS else text
            more = " …" if len(text) > SNIPPET_CHARS else ""
            return html.escape(opening.replace("\n", " ")) + more
        # The window that holds the most different matched words wins; the earliest on ties.
        # Windows start at a hit; the one after it ends where the next may start (hits are in
        # order), so each hit enters and leaves the counts once.
        best_start, best_score = hits[0][0], -1
        counts: Counter[str] = Counter()
        last = 0
        for i, (start, _, _) in enumerate(hits):
            while last < len(hits) and hits[last][0] < start + SNIPPET_CHARS - 40:
                counts[hits[last][2]] += 1
                last += 1
            if len(counts) > best_score:
                best_start, best_score = start, len(counts)
            word = hits[i][2]
            counts[word] -= 1
            if not counts[word]:
                del counts[word]
        begin = max(0, text.rfind(" ", 0, max(0, best_start - 60)) + 1)
        end = min(len(text), begin + SNIPPET_CHARS)
        if end < len(text) and " " in text[begin:end]:
            end = text.rfind(" ", begin, end)
        parts, cursor = [], begin
        for start, stop, _ in hits:
            if start < begin or stop > end:
                continue
            parts += [
                html.escape(text[cursor:start]),
                f"<mark>{html.escape(text[start:stop])}</mark>",
            ]
            cursor = stop
        parts.append(html.escape(text[cursor:end]))
        body = "".join(parts).replace("\n", " ")
        return ("… " if begin > 0 else "") + body + (" …" if end < len(text) else "")


def _word_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole word that contains ``text[start:end]``."""
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return start, end
