"""Funding calls: ``/foerderung`` and ``/api/funding``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ops import funding
from ops.funding import STATUSES, FundingList
from web.deps import ServicesDep, Today, ViewerDep
from web.rendering import render

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
) -> FundingList:
    return funding.listing(services, viewer, today, open_now)


@router.get("/foerderung", response_class=HTMLResponse, include_in_schema=False)
def funding_page(
    services: ServicesDep,
    viewer: ViewerDep,
    request: Request,
    today: Today,
    status: Literal["open", "rolling", "closed", "unknown", ""] = "",
) -> Any:
    grouped = funding.by_status(services, viewer, today)
    return render(
        request,
        "funding.html",
        {"grouped": grouped, "status": status, "statuses": STATUSES, "today": today},
    )
