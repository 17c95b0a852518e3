"""The network's eleven topics with the queries that find them, and the states of cities
(both in ``ops/data/topics.toml``).

A document belongs to a topic when it is in the topic's collection or matches the topic's
query: the collections are members-only, so for everyone else the query is what finds the
peer practices.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from index.errors import QueryTooBroadError
from index.search import Hit, SearchRequest, SearchService
from kb.viewer import Viewer
from ops.errors import InvalidError


def _load() -> dict[str, dict[str, str]]:
    raw = resources.files("ops").joinpath("data/topics.toml").read_text("utf-8")
    return tomllib.loads(raw)


_DATA = _load()
TOPICS: dict[str, str] = _DATA["topics"]  # topic (the collection's name) → query
CITY_STATES: dict[str, str] = _DATA["states"]  # city → federal state


def topic_query(topic: str) -> str:
    """The query of one of the eleven topics; any other text is a free query of its own."""
    return TOPICS.get(topic, topic)


@dataclass(frozen=True)
class TopicResult:
    """Documents of a topic: the union of its collection and its query's matches."""

    topic: str
    query: str
    total: int
    facets: dict[str, dict[str, int]]  # without "collection": a union cannot count it
    hits: list[Hit]  # newest first


def search_topic(
    search: SearchService,
    topic: str,
    viewer: Viewer,
    filters: dict[str, list[str]] | None = None,
    per_page: int = 5,
) -> TopicResult:
    """Count (and list the newest of) a topic's documents the asker may see.

    One search by the query and one by the collection; when the collection has visible
    documents, a third (both at once) lets facet counts add up by inclusion–exclusion.
    """
    query = topic_query(topic)
    given = filters or {}
    try:
        return _search_topic(search, topic, query, viewer, given, per_page)
    except QueryTooBroadError as exc:  # a free query on /praxis, as refused on /suche
        raise InvalidError(str(exc)) from exc


def _search_topic(
    search: SearchService,
    topic: str,
    query: str,
    viewer: Viewer,
    given: dict[str, list[str]],
    per_page: int,
) -> TopicResult:
    # The topics' queries are written by the service: no word of theirs is a typo to expand.
    by_query = search.search(
        SearchRequest(
            query, filters=given, viewer=viewer, sort="date", per_page=per_page, typos=False
        )
    )
    facets = {k: v for k, v in by_query.facets.items() if k != "collection"}
    if topic not in TOPICS:
        return TopicResult(topic, query, by_query.total, facets, by_query.hits)
    in_collection = {**given, "collection": [topic]}
    by_collection = search.search(
        SearchRequest("", filters=in_collection, viewer=viewer, sort="date", per_page=per_page)
    )
    if not by_collection.total:  # always so for anonymous askers: the collections are closed
        return TopicResult(topic, query, by_query.total, facets, by_query.hits)
    both = search.search(
        SearchRequest(query, filters=in_collection, viewer=viewer, per_page=1, typos=False)
    )
    union = {
        name: _union(counts, by_collection.facets[name], both.facets[name])
        for name, counts in facets.items()
    }
    hits = {h.id: h for h in [*by_query.hits, *by_collection.hits]}
    newest = sorted(hits.values(), key=lambda h: (h.date or "", h.id), reverse=True)
    total = by_query.total + by_collection.total - both.total
    return TopicResult(topic, query, total, union, newest[:per_page])


def _union(a: dict[str, int], b: dict[str, int], both: dict[str, int]) -> dict[str, int]:
    counts = {v: a.get(v, 0) + b.get(v, 0) - both.get(v, 0) for v in a.keys() | b.keys()}
    return dict(sorted(((v, n) for v, n in counts.items() if n), key=lambda p: (-p[1], p[0])))


def topic_cities(search: SearchService, viewer: Viewer) -> dict[str, dict[str, int]]:
    """Documents per city of every topic: topic → city → count."""
    return {
        topic: search_topic(search, topic, viewer, per_page=1).facets["city"] for topic in TOPICS
    }
