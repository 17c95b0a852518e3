"""Models of the HTTP API that are the web's own: what goes over the wire beyond the
operations' own result types (`ops.documents`, `ops.funding`, …)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ops.newsletter.compose import CHOOSABLE
from ops.newsletter.subscriptions import MAX_SEARCHES


class MentionOut(BaseModel):
    text: str
    label: str
    start: int
    end: int
    canonical: str


class DocumentOut(BaseModel):
    id: int
    url: str
    title: str
    text: str
    lang: str
    kind: str
    city: str | None
    collection: str | None
    date: str | None
    """As given: "2017", "2017-08" or "2017-08-14"."""
    members_only: bool
    entities: list[MentionOut]
    attachments: list[str]
    """Files that carry the same text (a PDF of the page), listed with it instead of apart."""
    labels: dict[str, list[str]]
    """Family (topic, target, setting, evidence) → labels, as the search's facets have them."""


class SuggestionOut(BaseModel):
    text: str
    kind: str
    url: str | None


class SuggestOut(BaseModel):
    query: str
    suggestions: list[SuggestionOut]


class Health(BaseModel):
    status: str
    scheduler: bool
    """Whether this process runs the service's jobs (one process of all that serve a store)."""


class Ready(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, str]
    """Each check (store, index, and scheduler where the app runs jobs): "ok" or what is wrong."""


SectionName = Literal[
    "publications", "cities", "information", "collections", "funding", "events"
]  # fmt: skip
FilterName = Literal[
    "kind", "city", "lang", "year", "collection", "person", "org", "place", "project", "entity"
]  # fmt: skip
Short = Annotated[str, Field(max_length=200)]


class SearchIn(BaseModel):
    query: Short = ""
    filters: dict[FilterName, Annotated[list[Short], Field(max_length=20)]] = {}


class SubscriptionIn(BaseModel):
    email: Annotated[str, Field(max_length=254)]
    sections: Annotated[list[SectionName], Field(max_length=len(CHOOSABLE))] = []
    cities: Annotated[list[Short], Field(max_length=100)] = []
    collections: Annotated[list[Short], Field(max_length=50)] = []
    languages: Annotated[list[Literal["de", "en"]], Field(max_length=2)] = []
    searches: Annotated[list[SearchIn], Field(max_length=MAX_SEARCHES)] = []
    topics: Annotated[list[Short], Field(max_length=50, description="Topic labels.")] = []
    targets: Annotated[list[Short], Field(max_length=20, description="Target groups.")] = []
    settings: Annotated[list[Short], Field(max_length=20, description="Settings.")] = []
    evidence: Annotated[
        list[Short], Field(max_length=2, description='Evidence: ["evaluiert"] for evaluated only.')
    ] = []


class SubscriptionOut(BaseModel):
    status: Literal["pending"]
    detail: str
