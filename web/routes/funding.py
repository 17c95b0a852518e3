"""Funding calls: ``/foerderung`` and ``/api/funding``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ops import funding
from ops.funding import ARCHIVE, OPEN, STATUSES, FundingList
from web.deps import ServicesDep, Today, ViewerDep
from web.rendering import pager, render

PER_PAGE = 20  # calls on a page of /foerderung
Page = Annotated[int, Query(ge=1, le=10_000)]
PerPage = Annotated[int, Query(ge=1, le=200)]

router = APIRouter()


@router.get("/api/funding", response_model=FundingList, tags=["funding"])
def api_funding(
    services: ServicesDep,
    viewer: ViewerDep,
    today: Today,
    open_now: Annotated[
        bool | None,
        Query(
            alias="open",
            description="true: calls a city can apply for now, nearest deadline first, then "
            "rolling calls; false: the archive (closed calls, then those with an unknown "
            "deadline); absent: all.",
        ),
    ] = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> FundingList:
    statuses = STATUSES if open_now is None else OPEN if open_now else ARCHIVE
    return funding.listing(services, viewer, today, statuses, page, per_page)


@router.get("/foerderung", response_class=HTMLResponse, include_in_schema=False)
def funding_page(
    services: ServicesDep,
    viewer: ViewerDep,
    request: Request,
    today: Today,
    status: Literal["open", "rolling", "closed", "unknown", ""] = "",
    page: Page = 1,
) -> Any:
    chosen = funding.listing(
        services, viewer, today, (status,) if status else STATUSES, page, PER_PAGE
    )
    grouped = {s: [call for call in chosen.calls if call.status == s] for s in STATUSES}
    return render(
        request,
        "funding.html",
        {
            "grouped": grouped,
            "counts": chosen.facets,
            "status": status,
            "statuses": STATUSES,
            "today": today,
            "pager": pager(request, page, chosen.total, PER_PAGE),
        },
    )
