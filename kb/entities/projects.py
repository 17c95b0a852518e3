"""Projects a text introduces by name ("das Projekt X", "the X project") are no organisations.

The rules take a project's name for an organisation when it ends in a head ("Safe Nights
Network"); a text that calls it a project says otherwise, for all its mentions. The catalogue's
projects stay what staff made them.
"""

from __future__ import annotations

import re

from kb.entities.catalogue import word_lists
from kb.model import Mention

_WORD = re.compile(r"[\w-]+")


def without_projects(text: str, mentions: list[Mention], known: frozenset[str]) -> list[Mention]:
    """``mentions`` less the organisations the text calls projects, unless ``known``."""
    words = word_lists().project_words
    projects = set()
    for m in mentions:
        if m.label != "ORG" or m.canonical in known:
            continue
        before = _WORD.findall(text[max(0, m.start - 20) : m.start])
        after = _WORD.match(text[m.end : m.end + 20].lstrip(" -"))
        if (before and before[-1] in words) or (after and after[0] in words):
            projects.add(m.text)
    return [m for m in mentions if m.label != "ORG" or m.text not in projects]
