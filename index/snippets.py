"""Snippets: the passage of a document with the most query words, the words marked.

Runs on the shown hits only, over the stored text. Index terms are stems that (after the same
folding) begin or lie inside the words they come from, so one regular expression over a folded
copy of the text finds every matching word, compound words with a matched part included.
"""

from __future__ import annotations

import html
import re

SNIPPET_CHARS = 240
MIN_PART = 4  # shorter marks would light up inside unrelated words ("rat" in "Beratung")
# Folding that keeps every character in place, so offsets in the copy are offsets in the text.
_FOLD_IN_PLACE = str.maketrans("äöüßéèêáàâíìóòúùçñ", "aouseeeaaaiioouucn")


class Highlighter:
    """Marks the words of a query's matched terms in texts; built once per search."""

    def __init__(self, marks: set[str]) -> None:
        alternatives = []
        for mark in sorted(marks, key=len, reverse=True):
            if not mark.isalpha():
                continue
            # English stems end in "i" where words end in "y" ("safeti" ← "safety").
            body = re.escape(mark[:-1]) + "[iy]" if mark.endswith("i") else re.escape(mark)
            alternatives.append(body if len(mark) >= MIN_PART else rf"\b{body}")
        # No leading \w*: it would backtrack through every word; the words are found around
        # the (few) matches instead.
        self._pattern = re.compile("|".join(alternatives)) if alternatives else None

    def snippet(self, text: str) -> str:
        """HTML: the best window of ``text`` with matched words in ``<mark>``; else the opening."""
        folded = text.lower().translate(_FOLD_IN_PLACE)
        hits: list[tuple[int, int, str]] = []
        if self._pattern is not None and len(folded) == len(text):
            for match in self._pattern.finditer(folded):
                start, end = _word_around(folded, match.start(), match.end())
                if not hits or start >= hits[-1][1]:
                    hits.append((start, end, folded[start:end]))
        if not hits:
            opening = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] if len(text) > SNIPPET_CHARS else text
            more = " …" if len(text) > SNIPPET_CHARS else ""
            return html.escape(opening.replace("\n", " ")) + more
        # The window that holds the most different matched words wins; the earliest on ties.
        best_start, best_score = hits[0][0], -1
        for i, (start, _, _) in enumerate(hits):
            words = {word for s, _, word in hits[i:] if s < start + SNIPPET_CHARS - 40}
            if len(words) > best_score:
                best_start, best_score = start, len(words)
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
