"""Autocomplete: titles, entity names and frequent words that start with what is typed.

Only what the asker may see is suggested: a word or title that occurs only in members-only
documents is never offered to anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Literal

import numpy as np
from whoosh.query import Or, Prefix
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from index.analysis import LANGUAGES, fold
from index.facets import FacetCache, Mask

MIN_PREFIX = 2
MAX_TERMS_SCANNED = 5_000  # a two-letter prefix can open a large part of the vocabulary


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: Literal["title", "entity", "term"]
    url: str | None = None


def title_suggestions(
    searcher: Searcher, cache: FacetCache, allowed: Mask, prefix: str, limit: int
) -> list[Suggestion]:
    """Titles with a word starting with ``prefix``, best matches first."""
    stem_prefix = fold(prefix.lower())
    for pair in (("ae", "a"), ("oe", "o"), ("ue", "u")):
        stem_prefix = stem_prefix.replace(*pair)
    query = Or([Prefix(f"title_{lang}", stem_prefix) for lang in LANGUAGES])
    excluded = set(np.flatnonzero(~allowed).tolist())
    hits = searcher.search(query, limit=limit, mask=excluded)
    return [Suggestion(hit["meta"]["title"], "title", f"/documents/{hit['id']}") for hit in hits]


def term_suggestions(
    reader: IndexReader, allowed: Mask, prefix: str, limit: int
) -> list[Suggestion]:
    """Frequent words of visible documents that start with ``prefix``."""
    candidates = islice(reader.expand_prefix("spelling", prefix.lower()), MAX_TERMS_SCANNED)
    ranked = sorted(
        ((reader.doc_frequency("spelling", t), _text(t)) for t in candidates), reverse=True
    )
    found: list[Suggestion] = []
    for _, term in ranked:
        if len(found) == limit:
            break
        postings = reader.postings("spelling", term)
        while postings.is_active():
            if allowed[postings.id()]:
                found.append(Suggestion(term, "term"))
                break
            postings.next()
    return found


def _text(term: bytes | str) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
