"""Recency as a gentle tie-breaker of the BM25F ranking (`index.engine`)."""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

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
