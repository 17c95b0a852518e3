"""Exact and near duplicates of a crawled page among the stored documents.

Exact duplicates are found by the store (an index on the hash of a text's words). For near
duplicates the SimHashes of all documents are held in memory for the run (8 bytes each: half
a megabyte for 50,000 documents) and compared in one vectorised pass, which finds every
document within ``NEAR_BITS`` bits, not only those sharing a band.

The first URL with a text wins; a later one is a rejection counted in the crawl report. A
public page is never a duplicate of a members-only one: it would vanish from public search.
"""

from __future__ import annotations

import numpy as np

from kb.fingerprint import NEAR_BITS, distance, simhash
from kb.model import Document
from kb.store import Store

_CONSOLIDATE = 256  # documents added during the run are scanned as a list until this many


class Duplicates:
    def __init__(self, store: Store) -> None:
        self._store = store
        store.fill_fingerprints()
        rows = store.simhashes()
        self._ids = np.array([r[0] for r in rows], dtype=np.int64)
        self._hashes = np.array([r[1] for r in rows], dtype=np.int64)
        self._members = np.array([r[2] for r in rows], dtype=bool)
        self._added: list[tuple[int, int, bool]] = []

    def of(self, doc: Document) -> str | None:
        """Why ``doc`` is a duplicate ("duplicate of URL", "near-duplicate of URL") or None."""
        same = self._store.same_text(doc.text, doc.members_only)
        if same is not None and same != doc.url:
            return f"duplicate of {same}"
        value = simhash(doc.text)
        if value is None:
            return None
        close = np.bitwise_count(self._hashes ^ np.int64(value)) <= NEAR_BITS
        if not doc.members_only:
            close &= ~self._members
        candidates = [int(i) for i in self._ids[close]] + [
            i
            for i, h, members in self._added
            if distance(h, value) <= NEAR_BITS and (doc.members_only or not members)
        ]
        for doc_id in candidates:
            # The stored document may have changed or gone since it was counted here.
            stored = self._store.document(doc_id)
            if stored is None or stored.gone or stored.url == doc.url:
                continue
            now = simhash(stored.text)
            if now is not None and distance(now, value) <= NEAR_BITS:
                return f"near-duplicate of {stored.url}"
        return None

    def add(self, doc: Document) -> None:
        """A document stored in this run takes part in the comparisons that follow."""
        value = simhash(doc.text)
        if value is None or doc.id is None:
            return
        self._added.append((doc.id, value, doc.members_only))
        if len(self._added) >= _CONSOLIDATE:
            ids, hashes, members = zip(*self._added, strict=True)
            self._ids = np.concatenate([self._ids, np.array(ids, dtype=np.int64)])
            self._hashes = np.concatenate([self._hashes, np.array(hashes, dtype=np.int64)])
            self._members = np.concatenate([self._members, np.array(members, dtype=bool)])
            self._added.clear()
