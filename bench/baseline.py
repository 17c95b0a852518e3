"""The reference baseline of a test collection: plain BM25 as its README defines it.

The ``bm25s`` package (method "lucene", k1 1.2, b 0.75), PyStemmer's German Snowball stemmer,
the package's German and English stop words together, the title twice before the text, the
query's words ORed, filters as an exact mask, documents scoring 0 dropped.
"""

from __future__ import annotations

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN

from bench.collection import Collection, Judged, K, eligible


class Baseline:
    def __init__(self, collection: Collection) -> None:
        self._documents = collection.documents
        self._stemmer = Stemmer.Stemmer("german")
        self._stopwords = sorted(set(STOPWORDS_GERMAN) | set(STOPWORDS_EN))
        texts = [f"{d['title']} {d['title']} {d['text']}" for d in self._documents]
        self._bm25 = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
        self._bm25.index(self._tokens(texts), show_progress=False)

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        tokens: list[list[str]] = bm25s.tokenize(
            texts,
            stopwords=self._stopwords,
            stemmer=self._stemmer,
            return_ids=False,
            show_progress=False,
        )
        return tokens

    def ranked(self, query: Judged) -> list[str]:
        """Document ids of the top ``K``, best first."""
        words = self._tokens([query.query])[0]
        scores = np.asarray(self._bm25.get_scores(words), dtype=np.float64) if words else None
        if scores is None:
            return []
        mask = np.array([eligible(d, query.filters) for d in self._documents])
        scores = np.where(mask, scores, 0.0)
        order = [int(i) for i in np.argsort(-scores, kind="stable")[:K] if scores[i] > 0]
        return [self._documents[i]["id"] for i in order]
