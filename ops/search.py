"""Searching as the shells offer it: the request and result types of `index.search`, the
contract's JSON, and autocomplete over titles, entities and words the viewer may see.

    >>> result = search(services, SearchRequest("Messergewalt", viewer=viewer))
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from index.schema import FACETS
from index.search import Hit, SearchRequest, SearchResult, filters_from
from index.suggest import Suggestion
from kb.entity_catalogue import EntityCatalogue
from kb.viewer import Viewer
from ops import metrics
from ops.services import Services

__all__ = [
    "FACETS",
    "Hit",
    "SearchRequest",
    "SearchResult",
    "filters_from",
    "result_json",
    "search",
    "suggest",
]


def search(services: Services, request: SearchRequest) -> SearchResult:
    """Search with facets; what ``request.viewer`` may not see is neither hit nor counted."""
    metrics.SEARCHES.inc()
    with metrics.SEARCH_SECONDS.time():
        return services.search.search(request)


def result_json(result: SearchResult) -> dict[str, Any]:
    """The search JSON of the contract, shared by the API and ``kb search --json``."""
    return asdict(result)


def suggest(services: Services, viewer: Viewer, prefix: str, limit: int) -> list[Suggestion]:
    """Autocomplete for ``prefix``: titles, then entity names, then frequent words."""
    catalogue = EntityCatalogue(services.store)
    return services.search.suggest(
        prefix, viewer, lambda start, n: catalogue.starting_with(start, viewer, n), limit
    )
