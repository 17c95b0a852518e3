"""Index terms back to words as people write them, for did-you-mean and autocomplete.

Terms are stemmed and folded ("pravention"); a suggestion should read "prävention". The word is
looked up in one visible document that contains the term: cheap, and only done for the few
terms that are shown.
"""

from __future__ import annotations

import re

from whoosh.reading import IndexReader

from index.analysis import terms
from index.facets import Mask
from kb.store import Store

_WORDS = re.compile(r"[^\W\d_]+")


def first_visible(reader: IndexReader, field: str, term: str, allowed: Mask) -> int | None:
    """A document the asker may see that has ``term`` in ``field``, or None."""
    if (field, term) not in reader:
        return None
    postings = reader.postings(field, term)
    while postings.is_active():
        if allowed[postings.id()]:
            return int(postings.id())
        postings.next()
    return None


def surface_word(
    reader: IndexReader, store: Store, field: str, term: str, allowed: Mask
) -> str | None:
    """A lower-case word of a visible document whose index term is ``term``."""
    docnum = first_visible(reader, field, term, allowed)
    if docnum is None:
        return None
    doc_id = int(reader.stored_fields(docnum)["id"])
    text = store.texts([doc_id]).get(doc_id, "")
    lang = field.rsplit("_", 1)[-1]
    for word in _WORDS.findall(text):
        lowered = str(word).lower()
        if terms(lang, lowered, False)[0] == term:
            return lowered
    return None
