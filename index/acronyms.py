"""Acronyms that texts define, learned when indexing: "Kommunaler Präventionsrat (KPR)" or
"KPR (Kommunaler Präventionsrat)" teaches that a search for KPR also means the long form, and
the reverse, beside the curated synonym table.

The long form is found as Schwartz & Hearst do ("A simple algorithm for identifying abbreviation
definitions in biomedical text", 2003): the acronym's letters are matched right to left in the
words before the parenthesis, its first letter at the start of a word, in at most
min(letters + 5, 2 × letters) words. Letters may come from inside a compound (the P and R of
"Präventionsrat").

    >>> defined("Der Kommunale Präventionsrat (KPR) tagt.")
    {'KPR': 'Kommunale Präventionsrat'}
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_SHORT = r"[A-ZÄÖÜ][A-Za-zÄÖÜäöüß&-]{1,9}"
_AFTER = re.compile(rf"\(({_SHORT})\)")  # long form (ACRONYM)
# ACRONYM (long form), at the start of a word (see `_at_word_starts`)
_BEFORE = re.compile(rf"({_SHORT})\s*\(([^()]{{4,120}})\)")
_EDGES = re.compile(r"^\W+|\W+$")  # quotes and dashes around a long form
SEPARATOR = "="  # between acronym and long form in the index's acronyms field


def _acronym(text: str) -> bool:
    """Two capitals at least: "(KPR)", "(Efus)" is not enough, "(Hrsg)" neither."""
    return sum(c.isupper() for c in text) >= 2


def long_form(short: str, text: str) -> str | None:
    """The shortest end of ``text`` whose words spell ``short`` (Schwartz & Hearst)."""
    words = text.split()
    text = " ".join(words[-min(len(short) + 5, 2 * len(short)) :])
    s, i = len(short) - 1, len(text) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while i >= 0 and (text[i].lower() != c or (s == 0 and i > 0 and text[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    found = _EDGES.sub("", text[text.rfind(" ", 0, i + 1) + 1 :])
    if len(found) <= len(short) or short.lower() in found.lower().split():
        return None
    return found


def defined(text: str) -> dict[str, str]:
    """Acronym → long form, for each definition in ``text`` (the first one of an acronym)."""
    found: dict[str, str] = {}
    for match in _AFTER.finditer(text):
        short = match.group(1)
        if _acronym(short) and short not in found:
            before = text[max(0, match.start() - 300) : match.start()]
            before = re.split(r"[.!?;:()\n]", before)[-1]
            form = long_form(short, before)
            if form:
                found[short] = form
    for match in _at_word_starts(_BEFORE, text):
        short, inside = match.groups()
        if _acronym(short) and short not in found:
            form = long_form(short, inside)
            if form and form == inside.strip():
                found[short] = form
    return found


def _at_word_starts(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` as if it began with ``\\b`` before its first letter: the
    engine skips ahead to a capital letter, which it cannot past a ``\\b`` (a third of the
    time, in a text of a few thousand characters)."""
    at = 0
    while (match := pattern.search(text, at)) is not None:
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            at = start + 1  # inside a word: the next place may start one
            continue
        yield match
        at = match.end()


def field_value(text: str) -> str:
    """The index's ``acronyms`` field of a document: ``KPR=Kommunale Präventionsrat,…``."""
    return ",".join(
        f"{short}{SEPARATOR}{form.replace(',', ' ')}" for short, form in defined(text).items()
    )


def groups(entries: list[str]) -> list[tuple[str, ...]]:
    """Synonym groups from field terms: each acronym with the long forms texts gave it."""
    forms: dict[str, dict[str, None]] = {}
    for entry in entries:
        short, _, form = entry.partition(SEPARATOR)
        if form:
            forms.setdefault(short, {})[form] = None
    return [(short, *found) for short, found in forms.items()]
