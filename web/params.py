"""Search parameters shared by the API and the search page."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query
from fastapi.exceptions import RequestValidationError

from ops.search import SearchRequest, filters_from

FILTER_PARAMS = (
    "kind", "city", "lang", "year", "collection", "person", "org", "place", "project", "entity",
)  # fmt: skip
MAX_PER_PAGE = 100


def search_params(
    q: Annotated[str, Query(max_length=500, description="Query; empty browses all.")] = "",
    kind: Annotated[list[str] | None, Query()] = None,
    city: Annotated[list[str] | None, Query()] = None,
    lang: Annotated[list[str] | None, Query()] = None,
    year: Annotated[list[str] | None, Query()] = None,
    collection: Annotated[list[str] | None, Query()] = None,
    person: Annotated[list[str] | None, Query()] = None,
    org: Annotated[list[str] | None, Query()] = None,
    place: Annotated[list[str] | None, Query()] = None,
    project: Annotated[list[str] | None, Query()] = None,
    entity: Annotated[
        list[str] | None, Query(description="Person, organisation or place (any).")
    ] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 10,
    sort: Literal["relevance", "date"] = "relevance",
    date_from: Annotated[str, Query(description="Earliest date (YYYY-MM-DD), included.")] = "",
    date_to: Annotated[str, Query(description="Latest date (YYYY-MM-DD), included.")] = "",
) -> SearchRequest:
    """Repeating a filter parameter ORs its values; different filters AND."""
    filters = filters_from(
        kind=kind,
        city=city,
        lang=lang,
        year=year,
        collection=collection,
        person=person,
        org=org,
        place=place,
        project=project,
        entity=entity,
    )
    return SearchRequest(
        query=q,
        filters=filters,
        page=page,
        per_page=per_page,
        sort=sort,
        date_from=_date(date_from, "date_from"),
        date_to=_date(date_to, "date_to"),
    )


def _date(value: str, name: str) -> date | None:
    """An optional ISO date; empty means open (date inputs of a form send empty values)."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise RequestValidationError(
            [{"loc": ("query", name), "msg": "must be a date YYYY-MM-DD", "type": "date"}]
        ) from exc


SearchParams = Annotated[SearchRequest, Depends(search_params)]
