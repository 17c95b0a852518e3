"""Re-applying the curated catalogue to stored documents.

After staff add, alias, merge or block an entity, the documents whose text contains one of the
affected names are extracted again; the index follows through the store's change sequence.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from kb.store import Store

if TYPE_CHECKING:
    from kb.entities import EntityExtractor


def reapply(store: Store, extractor: EntityExtractor, forms: Iterable[str]) -> int:
    """Re-extract the documents that contain any of ``forms``; returns how many changed."""
    changed = 0
    for doc_id in store.documents_with(forms):
        doc = store.document(doc_id)
        if doc is None:
            continue
        mentions = extractor.extract(doc.text, doc.lang, doc.language_passages())
        if mentions != doc.mentions:
            store.replace_mentions(doc_id, mentions)
            changed += 1
    return changed
