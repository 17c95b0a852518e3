"""Sending an issue: batches over one SMTP connection each, retries with backoff, and a
per-recipient send log that makes a run resumable.

The log and the mail server cannot change together, so the order is chosen for what a crash
can leave behind:

1. ``sending`` is committed *before* the SMTP transaction of a recipient, as a claim that
   fails when the reader has a row already: two runs at once (the weekly job and
   ``kb newsletter send``) never serve one reader twice;
2. ``sent`` (or ``failed`` / ``deferred``) is committed after the server answered;
3. when the transaction raises, the server did not accept the mail (an SMTP server takes
   responsibility only with its final 250), so the ``sending`` row is removed again.

A run skips every recipient with a ``sending`` row. Such a row can only outlive its
transaction when the process itself died between steps 1 and 2 — after the server may have
accepted the mail. Sending again could mail that reader twice; so it is left alone and
reported as uncertain (at most one reader per crash, since each batch sends one mail at a
time). Every other interruption — a refused connection, a dropped one, a 4xx, an exception
in the middle of a batch — leaves each reader either logged as done or not logged at all, so
a second run sends to exactly those not yet served. The Message-ID is derived from issue and
reader, so even the rare duplicate of a lost 250 reply (RFC 1047) can be recognised by clients.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from kb.newsletter_store import FINAL, IssueRecord, NewsletterStore, Subscriber
from kb.settings import Settings
from ops import metrics
from ops.errors import OpsError
from ops.mail import Connect, connector
from ops.newsletter import links
from ops.newsletter.compose import Item, build_message, personalise

log = logging.getLogger(__name__)

TIMEOUT = 30  # seconds: a stuck mail server must not hold the run for long
BATCH_SIZE = 100  # mails per connection: servers limit the messages of one session
RETRIES = 3
BACKOFF = 2.0  # seconds before the first retry; doubled for each further one


class SendAbortedError(OpsError):
    """The mail server stayed unreachable; a later run resumes where this one stopped."""


@dataclass
class SendReport:
    number: int
    sent: int = 0
    empty: int = 0  # nothing matched the reader's preferences
    failed: list[str] = field(default_factory=list)  # hard failures: the readers are bounced
    deferred: list[str] = field(default_factory=list)  # refused for now: the next run tries
    uncertain: list[str] = field(default_factory=list)  # a crash hid whether they got it
    already: int = 0  # served by an earlier run of this issue
    dry_run: bool = False

    def render(self) -> str:
        verb = "would send" if self.dry_run else "sent"
        lines = [
            f"issue {self.number}: {verb} {self.sent}, empty {self.empty},"
            f" already served {self.already}, failed {len(self.failed)},"
            f" deferred {len(self.deferred)}, uncertain {len(self.uncertain)}"
        ]
        lines += [f"failed: {e}" for e in self.failed]
        lines += [f"deferred: {e}" for e in self.deferred]
        lines += [f"uncertain (not resent): {e}" for e in self.uncertain]
        return "\n".join(lines)


def _chunks(recipients: Sequence[Subscriber], size: int) -> Iterator[Sequence[Subscriber]]:
    for start in range(0, len(recipients), size):
        yield recipients[start : start + size]


def _hard(exc: smtplib.SMTPException) -> str | None:
    """The server's reason when it refused the address or the mail for good (5xx)."""
    text: bytes | str
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
    elif isinstance(exc, smtplib.SMTPResponseException) and not isinstance(
        exc, smtplib.SMTPSenderRefused
    ):  # our own address refused is no reader's fault
        code, text = exc.smtp_code, exc.smtp_error
    else:
        return None
    reason = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {reason}" if 500 <= code < 600 else None


def _temporary(exc: smtplib.SMTPException) -> bool:
    """A 4xx for this mail: worth retrying, then deferring. Not 421, with which the server
    closes the connection: that is the server's state, not the reader's."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
    elif isinstance(exc, smtplib.SMTPResponseException) and not isinstance(
        exc, smtplib.SMTPSenderRefused
    ):
        codes = [exc.smtp_code]
    else:
        return False
    return all(400 <= code < 500 and code != 421 for code in codes)


class Sender:
    """Sends one issue to the confirmed subscribers, resuming what an earlier run began."""

    def __init__(
        self,
        news: NewsletterStore,
        settings: Settings,
        key: bytes,
        *,
        connect: Connect | None = None,
        batch_size: int = BATCH_SIZE,
        retries: int = RETRIES,
        backoff: float = BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._news = news
        self._settings = settings
        self._key = key
        self._connect = connect or connector(settings, TIMEOUT)
        self._batch_size = batch_size
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self._smtp: smtplib.SMTP | None = None  # the current batch's connection
        domain = settings.mail_from.rpartition("@")[2] or "localhost"
        self._domain = domain.strip(">")

    def send(self, issue: IssueRecord, dry_run: bool = False) -> SendReport:
        news = self._news
        report = SendReport(issue.number, dry_run=dry_run)
        done = news.send_log(issue)
        confirmed = news.subscribers("confirmed")
        by_id = {s.id: s for s in confirmed}
        report.uncertain = [
            by_id[i].email for i, st in done.items() if st == "sending" and i in by_id
        ]
        report.already = sum(1 for i, st in done.items() if st in FINAL and st != "sending")
        todo = [s for s in confirmed if done.get(s.id) not in FINAL]
        if not dry_run:
            news.set_issue_status(issue, "sending")
        items = [Item.from_json(i) for i in issue.items]
        members = news.member_emails()
        for batch in _chunks(todo, self._batch_size):
            self._batch(issue, items, members, batch, report)
        if not dry_run and not report.deferred:
            news.set_issue_status(issue, "sent")
        return report

    def _batch(
        self,
        issue: IssueRecord,
        items: list[Item],
        members: frozenset[str],
        batch: Sequence[Subscriber],
        report: SendReport,
    ) -> None:
        """One connection for the batch, closed however the batch ends."""
        try:
            for subscriber in batch:
                self._one(issue, items, members, subscriber, report)
        finally:
            if self._smtp is not None:
                try:
                    self._smtp.quit()
                except (smtplib.SMTPException, OSError):
                    self._smtp.close()
                self._smtp = None

    def _one(
        self,
        issue: IssueRecord,
        items: list[Item],
        members: frozenset[str],
        subscriber: Subscriber,
        report: SendReport,
    ) -> None:
        """Send to one reader, retrying; the batch's connection is opened on first need."""
        news = self._news
        now = news.now()
        edition = personalise(
            issue.number,
            issue.composed_at[:10],
            items,
            subscriber.preferences,
            member=subscriber.email in members,
            matches=issue.searches,
        )
        if edition.empty:
            report.empty += 1
            if not report.dry_run:
                news.log(issue, subscriber.id, "empty")
            return
        message = build_message(
            edition,
            sender=self._settings.mail_from,
            recipient=subscriber.email,
            links=links.reader_links(
                self._settings.base_url, self._key, subscriber, issue.number, now
            ),
            message_id=f"<newsletter-{issue.number}-{subscriber.id}@{self._domain}>",
            list_id=f"DEFUS-Newsletter <newsletter.{self._domain}>",
            now=now,
        )
        if report.dry_run:
            report.sent += 1
            return
        for attempt in range(1, self._retries + 2):
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
            except (smtplib.SMTPException, OSError) as exc:
                error: Exception = exc  # no connection: no reader's fault
            else:
                if not news.claim(issue, subscriber.id, attempt):
                    report.already += 1  # another run is serving or has served this reader
                    return
                try:
                    self._smtp.send_message(message)
                except smtplib.SMTPException as exc:
                    # The ``sending`` row is replaced or removed: without a 250 the server
                    # did not take the mail.
                    if (reason := _hard(exc)) is not None:
                        news.log(issue, subscriber.id, "failed", attempt, reason)
                        news.bounced(subscriber.id, reason)
                        report.failed.append(f"{subscriber.email}: {reason}")
                        metrics.MAILS.labels("failed").inc()
                        return
                    if _temporary(exc) and attempt > self._retries:
                        news.log(issue, subscriber.id, "deferred", attempt, str(exc)[:500])
                        report.deferred.append(f"{subscriber.email}: {exc}")
                        metrics.MAILS.labels("deferred").inc()
                        return
                    news.unlog(issue, subscriber.id)
                    if not _temporary(exc):  # the connection is at fault: start a new one
                        self._drop()
                    error = exc
                except OSError as exc:
                    news.unlog(issue, subscriber.id)
                    self._drop()
                    error = exc
                else:
                    news.log(issue, subscriber.id, "sent", attempt)
                    report.sent += 1
                    metrics.MAILS.labels("sent").inc()
                    return
            if attempt > self._retries:
                raise SendAbortedError(f"mail server unavailable: {error}") from error
            delay = self._backoff * 2 ** (attempt - 1)
            log.warning("newsletter to %s: %s; retry in %.1f s", subscriber.email, error, delay)
            self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _drop(self) -> None:
        """Close a broken connection; the next attempt opens a new one."""
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None
