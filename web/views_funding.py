"""Funding calls: open calls by nearest deadline, closed ones in the archive.

"Open" means the deadline is today or later; a call whose deadline could not be read is not
claimed to be open: it goes to the archive as "Frist unbekannt".
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from kb.call_store import CallStore, StoredCall
from kb.viewer import Viewer
from web.access import viewer_of
from web.api import ServicesDep
from web.clock import Today
from web.pages import render
from web.services import Services
from web.views_common import switch_link

Status = Literal["open", "closed", "unknown"]
STATUSES: tuple[Status, ...] = ("open", "closed", "unknown")


class FundingOut(BaseModel):
    id: int
    url: str
    title: str
    programme: str | None
    funder: str | None
    eligible: str | None
    amount: str | None
    deadline: date | None
    status: Status
    date: date | None  # of the announcement; last, since the name shadows the type


class FundingList(BaseModel):
    today: date
    facets: dict[str, int]
    """Calls per status ("open", "closed", "unknown"), whatever the filter."""
    calls: list[FundingOut]


def status_of(deadline: date | None, today: date) -> Status:
    if deadline is None:
        return "unknown"
    return "open" if deadline >= today else "closed"


def _out(call: StoredCall, today: date) -> FundingOut:
    return FundingOut(
        id=call.doc_id,
        url=call.url,
        title=call.title,
        date=call.date,
        programme=call.programme,
        funder=call.funder,
        eligible=call.eligible,
        amount=call.amount,
        deadline=call.deadline,
        status=status_of(call.deadline, today),
    )


def funding_calls(
    services: Services, viewer: Viewer, today: date
) -> dict[Status, list[FundingOut]]:
    """Visible calls by status: open by nearest deadline, closed most recently closed first,
    unknown newest announcement first."""
    calls = CallStore(services.store)
    calls.refresh()
    grouped: dict[Status, list[FundingOut]] = {status: [] for status in STATUSES}
    for call in calls.funding(viewer):
        out = _out(call, today)
        grouped[out.status].append(out)
    grouped["closed"].reverse()  # the store orders by deadline, oldest first
    grouped["unknown"].sort(key=lambda c: (c.date or date.min, c.id), reverse=True)
    return grouped


router = APIRouter()


@router.get("/api/funding", response_model=FundingList, tags=["funding"])
async def api_funding(
    services: ServicesDep,
    request: Request,
    today: Today,
    open_now: Annotated[
        bool | None,
        Query(
            alias="open",
            description="true: calls open now, nearest deadline first; false: the archive "
            "(closed calls, then those with an unknown deadline); absent: all.",
        ),
    ] = None,
) -> FundingList:
    grouped = funding_calls(services, viewer_of(request), today)
    if open_now is None:
        chosen: tuple[Status, ...] = STATUSES
    else:
        chosen = ("open",) if open_now else ("closed", "unknown")
    return FundingList(
        today=today,
        facets={status: len(grouped[status]) for status in STATUSES},
        calls=[call for status in chosen for call in grouped[status]],
    )


@router.get("/foerderung", response_class=HTMLResponse, include_in_schema=False)
async def funding_page(
    services: ServicesDep,
    request: Request,
    today: Today,
    status: Literal["open", "closed", "unknown", ""] = "",
) -> Any:
    grouped = funding_calls(services, viewer_of(request), today)
    return render(
        request,
        "funding.html",
        {
            "grouped": grouped,
            "status": status,
            "statuses": STATUSES,
            "today": today,
            "switch_link": switch_link(request),
        },
    )
