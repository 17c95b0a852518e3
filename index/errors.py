"""Errors of the search: a query it will not run, with the reason people are told.

SearchError
 └── QueryTooBroadError   a pattern or expansion over too many terms, or past the time budget
"""

from __future__ import annotations


class SearchError(Exception):
    """Base of the search's errors."""


class QueryTooBroadError(SearchError):
    """The query would cost more than a search may: say how to narrow it."""
