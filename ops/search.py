"""Searching as the shells offer it: the request and result types of `index.search`, the
contract's JSON, and autocomplete over titles, entities and words the viewer may see.

    >>> result = search(services, SearchRequest("Messergewalt", viewer=viewer))
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from index.errors import QueryTooBroadError
from index.schema import ENTITY_FACETS, FACETS
from index.search import Hit, SearchRequest, SearchResult, filters_from
from index.suggest import Suggestion
from kb.entity_catalogue import EntityCatalogue
from kb.errors import EntityError
from kb.formatting import typed_key
from kb.model import kind_named
from kb.viewer import Viewer
from ops import metrics
from ops.errors import InvalidError
from ops.services import Services
from ops.topics import topic_label

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
    """Search with facets; what ``request.viewer`` may not see is neither hit nor counted. A
    topic filter may name the topic as /praxis shows it (`ops.topics.topic_label`), a kind
    filter the kind by its German name (`kb.model.kind_named`)."""
    named = {
        name: [named_value(name, v) for v in values] for name, values in request.filters.items()
    }
    request = replace(request, filters=named)
    metrics.SEARCHES.inc()
    with metrics.SEARCH_SECONDS.time():
        try:
            result = services.search.search(request)
        except QueryTooBroadError as exc:
            raise InvalidError(str(exc)) from exc
    if result.suggestion:
        result = replace(result, suggestion=typed_case(result.suggestion, request.query))
    return result


def named_value(name: str, value: str) -> str:
    """A filter's value as the index holds it: a topic's label for its name ("Sicherheit im
    Bahnhofsviertel"), a kind's key for its German name ("Veranstaltung"); else as given."""
    if name == "topic":
        return topic_label(value) or value
    if name == "kind":
        return kind_named(value) or value
    return value


def counted_value(name: str, value: str, facets: dict[str, dict[str, int]]) -> str:
    """The facet's own value a filter's value matched (`named_value`, then as typed:
    "koeln" is Köln, `index.facets`), for showing the filter as chosen; as given when the
    facet counts none."""
    value = named_value(name, value)
    counts = counts_of(name, facets)
    if value in counts:
        return value
    return next((known for known in counts if typed_key(known) == typed_key(value)), value)


def counts_of(name: str, facets: dict[str, dict[str, int]]) -> dict[str, int]:
    """The counted values a filter's values are among: its facet's; an entity's, those of
    the three facets of entities (the ``entity`` filter matches any of them)."""
    if name == "entity":
        return {value: n for facet in ENTITY_FACETS for value, n in facets.get(facet, {}).items()}
    return facets.get(name, {})


def typed_case(suggestion: str, query: str) -> str:
    """The correction written as the query was: "Prävention" for a typed "Prävnetion" (the
    index knows its words in lower case)."""
    typed = query.split()
    words = suggestion.split()
    if len(typed) != len(words):
        return suggestion
    return " ".join(
        word.upper()
        if given.isupper() and len(given) > 1
        else word[:1].upper() + word[1:]
        if given[:1].isupper()
        else word
        for word, given in zip(words, typed, strict=True)
    )


def result_json(result: SearchResult) -> dict[str, Any]:
    """The search JSON of the contract, shared by the API and ``kb search --json``."""
    return asdict(result)


def suggest(services: Services, viewer: Viewer, prefix: str, limit: int) -> list[Suggestion]:
    """Autocomplete for ``prefix``: titles, then entity names, then frequent words."""
    catalogue = EntityCatalogue(services.store)
    found = services.search.suggest(
        prefix, viewer, lambda start, n: catalogue.starting_with(start, viewer, n), limit
    )
    return [_with_page(catalogue, s) if s.kind == "entity" else s for s in found]


def _with_page(catalogue: EntityCatalogue, suggestion: Suggestion) -> Suggestion:
    """An entity's suggestion leads to its page."""
    try:
        entity = catalogue.find(suggestion.text)
    except EntityError:  # a name two entities share: the search for it decides
        return suggestion
    return replace(suggestion, url=f"/entity/{entity.id}")
