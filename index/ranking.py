"""Every scoring setting of the search, each with the measurement that chose it.

Figures are nDCG@10 of ``python -m bench relevance --set ../shared/relevance-dev`` (45 queries,
227 documents) unless said otherwise; a setting was kept only when it helped both the odd and
the even query ids (``--halves``), and the demo set (``python -m bench relevance``) stayed.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

# BM25 per field (`index.engine`).
K1 = 1.2  # the textbook value; 0.9–1.6 measured within 0.005
B = 0.75  # the textbook value; 0.5–0.9 measured within 0.005

FIELD_BOOSTS = {
    "title_de": 3.0,
    "title_en": 3.0,
    "entities": 2.0,
    "summary_de": 1.5,
    "summary_en": 1.5,
    "body_de": 1.0,
    "body_en": 1.0,
}

# How a query's words combine (`index.query`).
MINIMUM_SHARE = 0.5  # of the typed words a match must have
COORDINATION = 2.0  # score × (share of the typed words matched) ** this
SYNONYM_WEIGHT = 0.5  # synonyms, acronyms and lexicon translations, against 1 for typed words
PARTS_WEIGHT = 0.8  # a compound's parts found apart ("Gewalt mit dem Messer" for Messergewalt)
JOINED_WEIGHT = 1.0  # typed words found joined ("Messer Gewalt" in "Messergewalt")
TIEBREAK = 0.0  # of the other forms of a word a document has, beside its best one

PROXIMITY = 3  # extra words allowed between the query's words
PROXIMITY_FACTOR = 1.5
PROXIMITY_POOL = 10  # words standing close may lift a document from the next page

RECENCY_WEIGHT = 0.1  # at most +10 % for today's document: enough to order near-equal scores


def recency(dates: npt.NDArray[np.int64], today: date) -> npt.NDArray[np.float64]:
    """1 for today, 0.5 a year ago, falling towards 0; 0 for undated documents."""
    result = np.zeros(len(dates), dtype=np.float64)
    dated = dates > 0
    years = dates[dated] // 10_000
    days = (
        (today.year - years) * 365
        + (today.month * 30 + today.day)
        - ((dates[dated] // 100 % 100) * 30 + dates[dated] % 100)
    )
    result[dated] = 1.0 / (1.0 + np.maximum(days, 0) / 365.0)
    return result
