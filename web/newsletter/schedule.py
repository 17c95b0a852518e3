"""The weekly newsletter run, a job of the service's scheduler (`web.scheduler`)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from index.indexer import Index
from index.search import SearchService
from kb.accounts import secret_key
from kb.settings import Settings
from kb.store import Store
from web.newsletter.issues import send_next
from web.scheduler import keep_or_replace, trigger

log = logging.getLogger(__name__)

JOB_ID = "weekly-newsletter"
JOB = "web.newsletter.schedule:weekly_newsletter"

# The settings of the running service, for the job: a persisted job names its function by
# reference, and the service's settings are not the job's to store.
_settings: Settings | None = None


def weekly_newsletter() -> None:
    """Send the unfinished issue or compose and send the next one, on its own connections
    (the scheduler's thread shares no store connection with the web)."""
    settings = _settings
    if settings is None:
        log.warning("weekly newsletter: the service is not configured; skipped")
        return
    if not settings.smtp_host:
        log.warning("weekly newsletter: KB_SMTP_HOST is empty; nothing sent")
        return
    store = Store.open(settings.db_path)
    search = SearchService(Index(settings.index_dir), store)
    try:
        report = send_next(store, search, settings, secret_key(settings))
        log.info("weekly newsletter: %s", report.render() if report else "nothing new")
    except Exception:
        log.exception("weekly newsletter broke off; the next start or run resumes it")
    finally:
        search.close()
        store.close()


def install(scheduler: BackgroundScheduler, settings: Settings, job: str = JOB) -> None:
    """The weekly job on ``KB_NEWSLETTER_CRON`` (Berlin time); a stored job with the same
    schedule is kept as it is, so that a run missed while the service was down still runs."""
    global _settings
    _settings = settings
    keep_or_replace(scheduler, JOB_ID, job, trigger(settings.newsletter_cron), name="newsletter")
