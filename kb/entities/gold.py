"""The format of hand-annotated entity documents (the development set, training gold).

Documents start with ``=== <id> <lang>``; entities are marked inline as ``[text](LABEL)``; text
before the first document is a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_MARK = re.compile(r"\[([^\]]+)\]\((PER|ORG|LOC)\)")

Span = tuple[int, int, str]


@dataclass(frozen=True)
class GoldDocument:
    id: str
    lang: str
    text: str
    spans: frozenset[Span]


def load(path: Path) -> list[GoldDocument]:
    docs = []
    for block in re.split(r"^=== ", path.read_text("utf-8"), flags=re.M)[1:]:
        header, _, body = block.partition("\n")
        doc_id, lang = header.split()
        body = body.strip()
        text: list[str] = []
        spans = set()
        last = length = 0
        for match in _MARK.finditer(body):
            before = body[last : match.start()]
            text.append(before)
            length += len(before)
            spans.add((length, length + len(match[1]), match[2]))
            text.append(match[1])
            length += len(match[1])
            last = match.end()
        text.append(body[last:])
        docs.append(GoldDocument(doc_id, lang, "".join(text), frozenset(spans)))
    return docs
