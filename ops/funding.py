"""Funding calls: open calls by nearest deadline, closed ones in the archive.

"Open" means the deadline is today or later; a call whose deadline could not be read is not
claimed to be open: it goes to the archive as "Frist unbekannt".
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

from kb.call_store import CallStore, StoredCall
from kb.viewer import Viewer
from ops.services import Services

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


def by_status(services: Services, viewer: Viewer, today: date) -> dict[Status, list[FundingOut]]:
    """Visible calls by status: open by nearest deadline, closed most recently closed first,
    unknown newest announcement first."""
    calls = CallStore(services.store)
    grouped: dict[Status, list[FundingOut]] = {status: [] for status in STATUSES}
    for call in calls.funding(viewer):
        out = _out(call, today)
        grouped[out.status].append(out)
    grouped["closed"].reverse()  # the store orders by deadline, oldest first
    grouped["unknown"].sort(key=lambda c: (c.date or date.min, c.id), reverse=True)
    return grouped


def listing(services: Services, viewer: Viewer, today: date, open_now: bool | None) -> FundingList:
    """Open calls (``open_now``), the archive (not ``open_now``: closed, then unknown) or all,
    with the count of every status."""
    grouped = by_status(services, viewer, today)
    if open_now is None:
        chosen: tuple[Status, ...] = STATUSES
    else:
        chosen = ("open",) if open_now else ("closed", "unknown")
    return FundingList(
        today=today,
        facets={status: len(grouped[status]) for status in STATUSES},
        calls=[call for status in chosen for call in grouped[status]],
    )
