"""The network's topics (the eleven collections' and the portal's wider themes) and the states
of cities (``ops/data/topics.toml``).

A document belongs to a topic when it carries the topic's label (`kb.labels`): the rules give
it from its words, its collection gives it whatever its words, and staff may correct it. So a
topic is one filter of the search, counted like any facet, with no query per view; any other
text asked for on /praxis is a free query of its own.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from index.errors import QueryTooBroadError
from index.search import Hit, SearchRequest, SearchService
from kb.formatting import typed_key
from kb.labels import Vocabulary
from kb.viewer import Viewer
from ops.errors import InvalidError


def _states() -> dict[str, str]:
    raw = resources.files("ops").joinpath("data/topics.toml").read_text("utf-8")
    return dict(tomllib.loads(raw)["states"])


CITY_STATES: dict[str, str] = _states()  # city → federal state
# Topic (the name of its members-only collection, or of the wider theme) → its label, in the
# order of the labels' data.
TOPICS: dict[str, str] = Vocabulary.load().topics()


_NAMES = {typed_key(name): name for name in TOPICS}


def topic_name(typed: str) -> str | None:
    """The name of the topic ``typed`` names, as typed ("sicherheit im bahnhofsviertel",
    `kb.formatting.typed_key`); None for no topic's name."""
    return _NAMES.get(typed_key(typed))


def topic_label(typed: str) -> str | None:
    """The label of the topic ``typed`` names (`topic_name`); None for no topic's name."""
    name = topic_name(typed)
    return TOPICS[name] if name else None


def topic_request(topic: str) -> tuple[str, dict[str, list[str]]]:
    """The query and filters that find a topic's documents: its label, or the text as a query."""
    label = topic_label(topic)
    return ("", {"topic": [label]}) if label else (topic, {})


def topic_params(topic: str) -> dict[str, str]:
    """The search page's parameters for a topic (a link to its documents)."""
    query, filters = topic_request(topic)
    return {"topic": filters["topic"][0]} if filters else {"q": query}


@dataclass(frozen=True)
class TopicResult:
    """Documents of a topic."""

    topic: str
    query: str  # empty for one of the topics: its label finds it
    total: int
    facets: dict[str, dict[str, int]]
    hits: list[Hit]  # newest first


def search_topic(
    search: SearchService,
    topic: str,
    viewer: Viewer,
    filters: dict[str, list[str]] | None = None,
    per_page: int = 5,
) -> TopicResult:
    """Count (and list the newest of) a topic's documents the asker may see: one search."""
    query, own = topic_request(topic)
    # The service's topics are filters; a free query is the visitor's: typos are taken as such.
    request = SearchRequest(
        query, filters={**(filters or {}), **own}, viewer=viewer, sort="date", per_page=per_page
    )
    try:
        found = search.search(request)
    except QueryTooBroadError as exc:  # a free query on /praxis, as refused on /suche
        raise InvalidError(str(exc)) from exc
    return TopicResult(topic, query, found.total, found.facets, found.hits)


def topic_cities(search: SearchService, viewer: Viewer) -> dict[str, dict[str, int]]:
    """Documents per city of every topic: topic → city → count, from one pass over the index."""
    counts = search.pivot(SearchRequest("", viewer=viewer, facets=False), "topic", "city")
    return {name: counts.get(label, {}) for name, label in TOPICS.items()}


def topic_organisations(search: SearchService, viewer: Viewer) -> dict[str, dict[str, int]]:
    """Documents per organisation of every topic: topic → organisation → count."""
    counts = search.pivot(SearchRequest("", viewer=viewer, facets=False), "topic", "org")
    return {name: counts.get(label, {}) for name, label in TOPICS.items()}
