"""The network's eleven topics with the queries that find them, and the states of cities.

A document belongs to a topic when it is in the topic's collection or matches the topic's
query: the collections are members-only, so for everyone else the query is what finds the
peer practices.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.search import Hit, SearchRequest, SearchService
from kb.viewer import Viewer

# Topic (the collection's name) → query in the search's syntax; both languages, since queries
# search German and English text alike.
TOPICS: dict[str, str] = {
    "Beteiligung für Sicherheit und Prävention": (
        "Beteiligung OR Bürgerbeteiligung OR Jugendbeteiligung OR participation"
    ),
    "Klimawandel und Urbane Sicherheit": (
        'Klimawandel OR Hitze OR Hitzewelle OR Starkregen OR "climate change" OR heat'
    ),
    "Konfliktbearbeitung im öffentlichen Raum": (
        "Konfliktbearbeitung OR Konfliktmanagement OR Konflikt OR Mediation OR conflict"
    ),
    "Messergewalt im öffentlichen Raum": "Messergewalt OR Messer OR Waffenverbot OR knife",
    "Mitarbeitersicherheit": (
        'Mitarbeitersicherheit OR "Schutz der Beschäftigten" OR "staff safety" OR Bürgeramt'
    ),
    "Nächtliches Feiern & Sicherheit in der Nacht": (
        "Nachtleben OR Nachtlotsen OR Nachtökonomie OR nightlife OR Sommernächte"
    ),
    "Schutz öffentlicher Räume": (
        '"Schutz öffentlicher Räume" OR "public spaces" OR Zufahrtsschutz OR Überfahrschutz'
    ),
    "Sicherheitsbefragung & Audits": (
        "Sicherheitsaudit OR Sicherheitsbefragung OR Befragung OR Audit OR survey"
    ),
    "Sicherheit im Bahnhofsviertel": "Bahnhofsviertel OR Hauptbahnhof OR Bahnhof",
    "Sichere Städte für Frauen": (
        'Frauen OR Frauennachttaxi OR Heimwege OR "sexualisierte Gewalt" OR women'
    ),
    "Städtebauliche Kriminalprävention": (
        "Städtebauliche OR Stadtplanung OR CPTED OR Beleuchtungskonzept"
    ),
}

# Federal state of the member cities and of the seats of the network's partners.
CITY_STATES: dict[str, str] = {
    "Augsburg": "Bayern",
    "Berlin": "Berlin",
    "Bonn": "Nordrhein-Westfalen",
    "Dresden": "Sachsen",
    "Düsseldorf": "Nordrhein-Westfalen",
    "Erfurt": "Thüringen",
    "Essen": "Nordrhein-Westfalen",
    "Frankfurt": "Hessen",
    "Frankfurt am Main": "Hessen",
    "Freiburg": "Baden-Württemberg",
    "Gelsenkirchen": "Nordrhein-Westfalen",
    "Gladbeck": "Nordrhein-Westfalen",
    "Göttingen": "Niedersachsen",
    "Gütersloh": "Nordrhein-Westfalen",
    "Hamburg": "Hamburg",
    "Hannover": "Niedersachsen",
    "Heidelberg": "Baden-Württemberg",
    "Karlsruhe": "Baden-Württemberg",
    "Kiel": "Schleswig-Holstein",
    "Köln": "Nordrhein-Westfalen",
    "Magdeburg": "Sachsen-Anhalt",
    "Mainz": "Rheinland-Pfalz",
    "Mannheim": "Baden-Württemberg",
    "München": "Bayern",
    "Münster": "Nordrhein-Westfalen",
    "Nürnberg": "Bayern",
    "Potsdam": "Brandenburg",
    "Saarbrücken": "Saarland",
    "Schwerin": "Mecklenburg-Vorpommern",
    "Stuttgart": "Baden-Württemberg",
    "Tübingen": "Baden-Württemberg",
    "Wiesbaden": "Hessen",
    "Wuppertal": "Nordrhein-Westfalen",
}


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
    by_query = search.search(
        SearchRequest(query, filters=given, viewer=viewer, sort="date", per_page=per_page)
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
    both = search.search(SearchRequest(query, filters=in_collection, viewer=viewer, per_page=1))
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
