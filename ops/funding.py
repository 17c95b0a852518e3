"""Funding calls: open calls by nearest deadline, then calls that take applications at any
time (rolling), then the archive.

"Open" means the deadline is today or later; "rolling" that the text says applications are
taken continuously; a call whose deadline could not be read is not claimed to be open: it goes
to the archive as "Frist unbekannt".
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from kb.call_store import CALL_STATUSES, CallStatus, CallStore, StoredCall
from kb.viewer import Viewer
from ops.services import Services

STATUSES = CALL_STATUSES
OPEN: tuple[CallStatus, ...] = ("open", "rolling")
ARCHIVE: tuple[CallStatus, ...] = ("closed", "unknown")


class FundingOut(BaseModel):
    id: int
    url: str
    title: str
    programme: str | None
    funder: str | None
    eligible: str | None
    amount: str | None
    deadline: date | None
    status: CallStatus
    date: str | None  # of the announcement, as given ("2025", "2025-03", "2025-03-05")


class FundingList(BaseModel):
    today: date
    facets: dict[str, int]
    """Calls per status ("open", "rolling", "closed", "unknown"), whatever the filter."""
    total: int
    """Calls the filter chose, on all pages."""
    page: int
    per_page: int
    calls: list[FundingOut]


def _out(call: StoredCall, today: date) -> FundingOut:
    published = call.published
    return FundingOut(
        id=call.doc_id,
        url=call.url,
        title=call.title,
        date=published.isoformat() if published else None,
        programme=call.programme,
        funder=call.funder,
        eligible=call.eligible,
        amount=call.amount,
        deadline=call.deadline,
        status=call.status(today),
    )


def by_status(
    services: Services, viewer: Viewer, today: date
) -> dict[CallStatus, list[FundingOut]]:
    """Visible calls by status: open by nearest deadline, rolling newest announcement first,
    closed most recently closed first, unknown newest announcement first."""
    grouped: dict[CallStatus, list[FundingOut]] = {status: [] for status in STATUSES}
    for call in CallStore(services.store).funding(viewer):
        out = _out(call, today)
        grouped[out.status].append(out)
    grouped["closed"].reverse()  # the store orders by deadline, oldest first
    for status in ("rolling", "unknown"):
        grouped[status].sort(key=lambda c: (c.date or "", c.id), reverse=True)
    return grouped


def listing(
    services: Services,
    viewer: Viewer,
    today: date,
    statuses: tuple[CallStatus, ...] = STATUSES,
    page: int = 1,
    per_page: int = 50,
) -> FundingList:
    """One page of the calls of ``statuses`` (in that order; `OPEN`: what a city can still
    apply for, `ARCHIVE`), with the count of every status."""
    grouped = by_status(services, viewer, today)
    chosen = [call for status in statuses for call in grouped[status]]
    first = (page - 1) * per_page
    return FundingList(
        today=today,
        facets={status: len(grouped[status]) for status in STATUSES},
        total=len(chosen),
        page=page,
        per_page=per_page,
        calls=chosen[first : first + per_page],
    )
