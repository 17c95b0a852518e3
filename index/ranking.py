"""Every scoring setting of the search, each with the measurement that chose it.

Figures are nDCG@10 of ``python -m bench relevance --set ../shared/relevance-dev`` (45 queries,
227 documents; the BM25 reference 0.727), one setting changed at a time against 0.867 (0.866
since unknown words are no longer split). A setting moved from its textbook or earlier value
only when that helped both the odd and the even query ids (``--halves``) by more than noise:
differences of 0.003 and less are noise on this set, so flat settings keep their defaults.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

# BM25 per field (`index.engine`).
K1 = 1.2  # textbook; 0.9: 0.867, 1.6: 0.866, 2.0: 0.867 (flat)
B = 0.75  # textbook; 0.5: 0.869, 0.9: 0.867 (within noise)
# A field's BM25 is summed over fields. BM25F (a word's weighted frequencies summed over fields
# before saturation) measured 0.863-0.867 with these and three other sets of field weights.

# Field weights; title 2: 0.863, 4: 0.869; lead 1: 0.869, 2: 0.864; entities 1: 0.867, 3: 0.865.
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
# Share of the typed words a match needs: 0.34, 0.67 and 1.0 also 0.867, since a first page
# left short is filled anyway (before that rule: 0.67: 0.777, 1.0: 0.729); a half keeps totals
# and facet counts about the query.
MINIMUM_SHARE = 0.5
# Score × (share of the query's words matched, each word weighted by its idf) ** COORDINATION.
# Against the share of words counted alike (0.871, recall@10 0.744), idf weights gave 0.877
# (recall 0.754), better in both halves; with it 1: 0.879 (even ids 0.874 against 0.878),
# 3: 0.874. Counted alike, 0: 0.862, 1: 0.871 (odd ids only), 3: 0.864.
COORDINATION = 2.0
SYNONYM_WEIGHT = 0.5  # synonyms, acronyms, lexicon (typed 1); 0.3: 0.867, 0.4: 0.868, 0.8: 0.857
PARTS_WEIGHT = 0.8  # a compound's parts standing apart; 0.5: 0.865, 1.0: 0.868
JOINED_WEIGHT = 1.0  # typed words found as one compound; 0.5: 0.867 (flat)
TIEBREAK = 0.0  # a word's other forms beside its best; 0.1: 0.868, 0.3: 0.866

PROXIMITY = 3  # extra words allowed between the query's words
PROXIMITY_FACTOR = 1.5  # 1.0: 0.867, 2.0: 0.866 (flat); the demo's "words close" test needs > 1
PROXIMITY_POOL = 0  # documents past the page it may lift; 0, 5, 10, 20: flat, 10 costs time

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
