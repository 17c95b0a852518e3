"""Acronyms a text defines: "Kommunaler Präventionsrat (KPR)", "KPR (Kommunaler Präventionsrat)".

The short form becomes an alias of the organisation for that text: every "KPR" in it names the
organisation. Such mentions (text an acronym, canonical the long name) are the catalogue's
acronym candidates that staff may accept for all texts.
"""

from __future__ import annotations

import re

from kb.entities.lexicon import is_acronym
from kb.model import Mention

_AFTER = re.compile(r"\s*\(\s*([^\s()]{2,12})\s*\)")
_BEFORE = re.compile(r"(?<![\w-])([^\s()]{2,12})\s*\(\s*$")
_CLOSE = re.compile(r"\s*\)")


def abbreviates(short: str, long: str) -> bool:
    """Schwartz and Hearst's test: the short form's letters occur in order in the long form,
    the first at the start of a word ("EMCDDA" in "European Monitoring Centre for Drugs and
    Drug Addiction", "KPR" in "Kommunaler Präventionsrat")."""
    letters = [c.lower() for c in short if c.isalnum()]
    text = long.lower()
    i = len(text) - 1
    for n in range(len(letters) - 1, -1, -1):
        while i >= 0 and (text[i] != letters[n] or (n == 0 and i > 0 and text[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return False
        i -= 1
    return True


def definitions(text: str, mentions: list[Mention], places: frozenset[str]) -> dict[str, Mention]:
    """Short forms the text defines for its organisations, with the mention of the long form."""
    found: dict[str, Mention] = {}
    for m in mentions:
        if m.label != "ORG":
            continue
        short = None
        if after := _AFTER.match(text, m.end):
            short = after[1]
        elif (before := _BEFORE.search(text, max(0, m.start - 16), m.start)) and _CLOSE.match(
            text, m.end
        ):
            short = before[1]
        if short is None or short == m.text or short in places or not is_acronym(short):
            continue
        capitals = sum(c.isupper() for c in short)
        if capitals >= 2 or abbreviates(short, m.text) or len(short) <= 5:
            found.setdefault(short, m)
    return found


def acronym_mentions(text: str, mentions: list[Mention], places: frozenset[str]) -> list[Mention]:
    """``mentions`` with every use of a defined acronym naming its organisation."""
    defined = definitions(text, mentions, places)
    if not defined:
        return mentions
    kept = [m for m in mentions if m.text not in defined]
    taken = [(m.start, m.end) for m in kept]
    for short, long in defined.items():
        pattern = re.compile(rf"(?<![\w-]){re.escape(short)}(?![\w-])")
        for match in pattern.finditer(text):
            start, end = match.span()
            if not any(s < end and start < e for s, e in taken):
                kept.append(Mention(short, long.label, start, end, long.canonical))
    return sorted(kept, key=lambda m: m.start)
