"""How each source's crawls go: the outcome of every crawl of a source is recorded (table
``job_runs``), and a source whose scheduled crawls fail 3 times in a row is flagged on the
staff's sources page and mailed to the staff once, so that a crawl that silently stopped is
noticed.

A crawl of a source succeeds when at least one of its pages answered (new, changed, unchanged,
or a feed or sitemap listing pages). A site that is down, refuses the login or disallows the
crawler has no page that answered.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from crawler.crawl import Outcome
from crawler.report import CrawlReport
from kb.accounts import Accounts
from kb.job_runs import JobRuns, Trigger
from kb.store import Source, Store
from ops import metrics
from ops.mail import Mailer, MailError
from ops.scheduler import TIMEZONE
from ops.services import Services

log = logging.getLogger(__name__)

ALERT_AFTER = 3  # scheduled crawls in a row without success: one bad night is no alarm
ANSWERED: frozenset[Outcome] = frozenset({"new", "changed", "unchanged", "listed"})
STAFF_ROLES = ("editor", "admin")
ALERT_SUBJECT = "Quelle {name}: {n} geplante Crawls ohne Erfolg – Wissensdatenbank"
ALERT_BODY = (
    "Guten Tag,\n\ndie Quelle „{name}“ ({url}) wurde {n}-mal nacheinander planmäßig gecrawlt,"
    " ohne dass eine ihrer Seiten antwortete.\nZuletzt: {reasons}\n\nBitte prüfen Sie die"
    " Quelle unter {page}\n"
)


class PageTally:
    """The outcomes of a crawl's pages per source; each is counted for /metrics as it comes."""

    def __init__(self) -> None:
        self.pages: dict[str, Counter[str]] = {}

    def add(self, source: str, outcome: Outcome) -> None:
        self.pages.setdefault(source, Counter())[outcome] += 1
        metrics.CRAWL_PAGES.labels(source, outcome).inc()


def record(
    services: Services,
    store: Store,
    sources: Iterable[Source],
    tally: PageTally,
    trigger: Trigger,
    started_at: str,
    report: CrawlReport | None,
    error: str | None = None,
) -> None:
    """Record the crawl of each source; a scheduled one is counted as a job run and, failed,
    may be due an alert. ``report`` is None when the crawl broke off with ``error``."""
    runs = JobRuns(store)
    for source in sources:
        pages = dict(tally.pages.get(source.name, {}))
        failed = [f for f in report.failed if f.source == source.name] if report else []
        if error is None and not pages and not failed:
            continue  # done before a resumed run broke off: recorded by nobody, counted nowhere
        ok = error is None and any(pages.get(o) for o in ANSWERED)
        detail: dict[str, object] = {
            "pages": pages,
            "failed": [f"{f.url}: {f.reason}" for f in failed[:5]],
        }
        if error is not None:
            detail["error"] = error[:500]
        runs.record("crawl", source.name, trigger, started_at, ok, detail)
        if trigger == "schedule":
            metrics.job_run("crawl", ok)
            if not ok:
                _alert_if_due(services, store, source, detail)


def _alert_if_due(
    services: Services, store: Store, source: Source, detail: dict[str, object]
) -> None:
    """At the `ALERT_AFTER`-th failed scheduled crawl in a row, once: a warning in the log and
    a mail to every enabled editor and admin (when a mail server is configured)."""
    failing = JobRuns(store).failed_in_row("crawl").get(source.name, 0)
    if failing != ALERT_AFTER:
        return
    log.warning(
        "source %s: no successful crawl in %d scheduled runs",
        source.name,
        failing,
        extra={"source": source.name, "runs": failing},
    )
    mailer = Mailer(services.settings)
    if not mailer.configured:
        return
    reasons = detail.get("failed") or [detail.get("error") or "keine Seite antwortete"]
    assert isinstance(reasons, list)
    page = f"{services.settings.base_url.rstrip('/')}/staff/quellen"
    subject = ALERT_SUBJECT.format(name=source.name, n=failing)
    body = ALERT_BODY.format(
        name=source.name, url=source.url, n=failing, reasons="; ".join(map(str, reasons)), page=page
    )
    for user in Accounts(store).users():
        if user.role in STAFF_ROLES and not user.disabled:
            try:
                mailer.send(user.email, subject, body)
            except MailError:
                log.exception("alert mail about source %s failed", source.name)


@dataclass(frozen=True)
class SourceHealth:
    last_success: datetime | None  # when its last successful crawl ended (Berlin time)
    failed_in_row: int  # scheduled crawls that failed since

    @property
    def flagged(self) -> bool:
        return self.failed_in_row >= ALERT_AFTER


def health(store: Store) -> dict[str, SourceHealth]:
    """Each source's crawl health, by name."""
    runs = JobRuns(store)
    last, failing = runs.last_success("crawl"), runs.failed_in_row("crawl")
    berlin = ZoneInfo(TIMEZONE)
    return {
        s.name: SourceHealth(
            datetime.fromisoformat(last[s.name]).astimezone(berlin) if s.name in last else None,
            failing.get(s.name, 0),
        )
        for s in store.sources()
    }
