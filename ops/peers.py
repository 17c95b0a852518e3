"""Peer practices: what member cities do on a topic, and the topics of one city.

The city of a document is the search's ``city`` facet (its source's city, or the member cities
it mentions); a document's topic is its ``topic`` label (`ops.topics`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from index.search import Hit
from kb.entity_catalogue import EntityCatalogue
from kb.formatting import german_key, typed_key
from kb.viewer import Viewer
from ops.documents import DocumentRef
from ops.services import Services
from ops.topics import CITY_STATES, TOPICS, search_topic, topic_cities

NAMES_SHOWN = 8


class PeerCity(BaseModel):
    city: str
    state: str | None
    document_count: int
    documents: list[DocumentRef]
    """The newest documents of the city on the topic."""
    projects: list[str]
    organisations: list[str]
    people: list[str]


class PeersOut(BaseModel):
    topic: str
    label: str | None
    """The topic's label (the search's ``topic`` filter); none for a free query."""
    query: str
    """The free query; empty for one of the topics."""
    total: int
    cities: list[PeerCity]


class TopicActivity(BaseModel):
    topic: str
    documents: int
    network_average: float
    """Documents on the topic per member city, over the whole network."""
    active_cities: int


class CityTopicsOut(BaseModel):
    city: str
    state: str | None
    topics: list[TopicActivity]


def _ref(hit: Hit) -> DocumentRef:
    return DocumentRef(id=hit.id, url=hit.url, title=hit.title, kind=hit.kind, date=hit.date)


def peers(services: Services, topic: str, viewer: Viewer) -> PeersOut:
    """City by city: who has documents on the topic, with what projects and which people."""
    key = ("peers", topic, viewer.sees_members_only)
    return services.views.get(key, lambda: _peers(services, topic, viewer))


def _peers(services: Services, topic: str, viewer: Viewer) -> PeersOut:
    overall = search_topic(services.search, topic, viewer, per_page=1)
    cities = sorted(overall.facets["city"].items(), key=lambda p: (-p[1], german_key(p[0])))
    rows = []
    for city, count in cities:
        found = search_topic(services.search, topic, viewer, filters={"city": [city]})
        projects = list(found.facets["project"])
        rows.append(
            PeerCity(
                city=city,
                state=CITY_STATES.get(city),
                document_count=count,
                documents=[_ref(hit) for hit in found.hits],
                projects=projects[:NAMES_SHOWN],
                organisations=[o for o in found.facets["org"] if o not in projects][:NAMES_SHOWN],
                people=list(found.facets["person"])[:NAMES_SHOWN],
            )
        )
    return PeersOut(
        topic=topic,
        label=TOPICS.get(topic),
        query=overall.query,
        total=overall.total,
        cities=rows,
    )


def _network(services: Services, counts: dict[str, dict[str, int]]) -> list[str]:
    """The network's cities: the member cities and every city a topic counts."""
    seen = {city for per_city in counts.values() for city in per_city}
    return sorted(seen | EntityCatalogue(services.store).member_cities(), key=german_key)


@dataclass(frozen=True)
class Overview:
    counts: dict[str, dict[str, int]]  # topic → city → documents
    cities: list[str]  # the network's cities with documents on any topic, in German order


def overview(services: Services, viewer: Viewer) -> Overview:
    """Documents per topic and city: the matrix of the peer practices page."""
    counts = _topic_cities(services, viewer)
    cities = [c for c in _network(services, counts) if any(c in n for n in counts.values())]
    return Overview(counts, cities)


def _topic_cities(services: Services, viewer: Viewer) -> dict[str, dict[str, int]]:
    key = ("topic-cities", viewer.sees_members_only)
    return services.views.get(key, lambda: topic_cities(services.search, viewer))


def city_topics(services: Services, city: str, viewer: Viewer) -> CityTopicsOut | None:
    """A city's documents per topic against the average member city, by the network's name of
    ``city`` (`kb.formatting.typed_key`); ``None`` for a city that is neither a member nor
    counted in any topic."""
    counts = _topic_cities(services, viewer)
    network = _network(services, counts)
    if city not in network:
        # As typed in an address ("/praxis/stadt/koeln"): the network's name of the city.
        city = next((c for c in network if typed_key(c) == typed_key(city)), "")
        if not city:
            return None
    activities = [
        TopicActivity(
            topic=topic,
            documents=per_city.get(city, 0),
            network_average=round(sum(per_city.values()) / len(network), 2),
            active_cities=len(per_city),
        )
        for topic, per_city in counts.items()
    ]
    return CityTopicsOut(city=city, state=CITY_STATES.get(city), topics=activities)
