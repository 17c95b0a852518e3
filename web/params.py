"""Search parameters: strict for the API (a wrong value is a 422 naming it), lenient for the
search page, which keeps what it can and says what it changed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import QueryParams

from ops.search import SearchRequest, filters_from

FILTER_PARAMS = (
    "kind", "city", "topic", "target", "setting", "evidence",
    "lang", "year", "collection", "person", "org", "place", "project", "entity",
)  # fmt: skip
# Every parameter of the search page: what a link back to a search may carry.
SEARCH_PARAMS = frozenset(
    {*FILTER_PARAMS, "q", "page", "per_page", "sort", "date_from", "date_to", "ui"}
)
MAX_PER_PAGE = 100
MAX_QUERY = 500
PER_PAGE_CHOICES = (10, 20, 50)  # offered on the search page


def search_params(
    q: Annotated[str, Query(max_length=MAX_QUERY, description="Query; empty browses all.")] = "",
    kind: Annotated[list[str] | None, Query()] = None,
    city: Annotated[list[str] | None, Query()] = None,
    topic: Annotated[list[str] | None, Query(description="Topic (kb.labels), e.g. jugend.")] = None,
    target: Annotated[
        list[str] | None, Query(description="Target group, e.g. jugendliche.")
    ] = None,
    setting: Annotated[
        list[str] | None, Query(description="Setting, e.g. oeffentlicher-raum.")
    ] = None,
    evidence: Annotated[
        list[str] | None, Query(description="evaluiert: an evaluation or effect reported.")
    ] = None,
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
    date_from: Annotated[
        str, Query(description="Earliest date (YYYY-MM-DD or DD.MM.YYYY), included.")
    ] = "",
    date_to: Annotated[
        str, Query(description="Latest date (YYYY-MM-DD or DD.MM.YYYY), included.")
    ] = "",
) -> SearchRequest:
    """Repeating a filter parameter ORs its values; different filters AND."""
    filters = filters_from(
        kind=kind,
        city=city,
        topic=topic,
        target=target,
        setting=setting,
        evidence=evidence,
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


def parse_day(value: str) -> date | None:
    """A day as ISO (2025-03-01) or as Germans write it (1.3.2025); None when it is neither."""
    value = value.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    found = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value)
    if found is None:
        return None
    try:
        return date(int(found[3]), int(found[2]), int(found[1]))
    except ValueError:
        return None


def _date(value: str, name: str) -> date | None:
    """An optional date; empty means open (date fields of a form send empty values)."""
    if not value:
        return None
    day = parse_day(value)
    if day is None:
        raise RequestValidationError(
            [{"loc": ("query", name), "msg": "must be a date YYYY-MM-DD", "type": "date"}]
        )
    return day


SearchParams = Annotated[SearchRequest, Depends(search_params)]


@dataclass(frozen=True)
class Notice:
    """What the search page says about how it read the request: a text key and its values."""

    key: str
    values: dict[str, str | int] = field(default_factory=dict)


def page_request(params: QueryParams) -> tuple[SearchRequest, list[Notice]]:
    """The search page's request: a query too long is cut, a date that is none is dropped,
    dates in the wrong order are swapped, a page size not offered is the default; each said."""
    notices = []
    query = params.get("q", "")
    if len(query) > MAX_QUERY:
        notices.append(Notice("query_too_long", {"n": MAX_QUERY}))
        query = query[:MAX_QUERY]
    days: dict[str, date | None] = {}
    for name in ("date_from", "date_to"):
        given = params.get(name, "").strip()
        days[name] = parse_day(given) if given else None
        if given and days[name] is None:
            notices.append(Notice("date_invalid", {"value": given[:40]}))
    first, last = days["date_from"], days["date_to"]
    if first and last and first > last:
        notices.append(Notice("dates_swapped"))
        first, last = last, first
    request = search_params(
        q=query,
        **{name: params.getlist(name) or None for name in FILTER_PARAMS},
        page=min(max(_number(params.get("page"), 1), 1), 10_000),
        per_page=per_page
        if (per_page := _number(params.get("per_page"), 10)) in PER_PAGE_CHOICES
        else 10,
        sort="date" if params.get("sort") == "date" else "relevance",
        date_from=first.isoformat() if first else "",
        date_to=last.isoformat() if last else "",
    )
    return request, notices


def _number(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() else default
