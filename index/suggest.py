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

from index.analysis import LANGUAGES, fold, prefix_term
from index.facets import FacetCache, Mask
from index.surface import surface_word
from kb.store import Store

MIN_PREFIX = 2
MAX_SCANNED = 5_000  # a two-letter prefix can open a large part of the vocabulary


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
    reader: IndexReader, store: Store, allowed: Mask, prefix: str, limit: int
) -> list[Suggestion]:
    """Frequent words of visible documents that start with ``prefix``."""
    ranked: list[tuple[int, str, str]] = []
    for lang in LANGUAGES:
        field = f"body_{lang}"
        candidates = islice(reader.expand_prefix(field, prefix_term(lang, prefix)), MAX_SCANNED)
        ranked += [(reader.doc_frequency(field, t), field, _text(t)) for t in candidates]
    found: list[Suggestion] = []
    for _, field, term in sorted(ranked, reverse=True):
        if len(found) == limit:
            break
        word = surface_word(reader, store, field, term, allowed)
        if word and word.startswith(prefix.lower()) and word not in {s.text for s in found}:
            found.append(Suggestion(word, "term"))
    return found


def _text(term: bytes | str) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
