"""Backups of the store while the service runs: ``kb backup DEST``, the daily one on the
scheduler (``KB_BACKUP_DIR``, the newest ``KB_BACKUP_KEEP`` kept), and the one taken before an
upgrade migrates the store. `ops.restore` brings one back.

A backup is a directory, readable by the service's user only:

- ``kb.sqlite3``: the store, copied with SQLite's online backup API in one step, that is in one
  read transaction: one consistent state, while the service's writers go on (WAL);
- ``secret_key``: the key generated into the data directory (when ``KB_SECRET_KEY`` is not
  set), without which mailed links and sessions die;
- ``backup.json``: when, the schema, the documents, the size.

The index is not copied: it is derived from the store, and a restore rebuilds it (a copy would
have to match the store's state exactly, and a newer release may index otherwise). A backup is
written under ``DEST.partial`` and renamed when complete: a directory named like a backup is
one. The copy is checked (``PRAGMA quick_check``) before it counts.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
import time
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kb.job_runs import JobRun, JobRuns, Trigger, now
from kb.migrations import MIGRATIONS
from kb.settings import Settings
from kb.store import Store
from ops import metrics
from ops.errors import InvalidError, NotFoundError, OpsError

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)

STORE_FILE = "kb.sqlite3"
KEY_FILE = "secret_key"
MANIFEST = "backup.json"
DAILY = re.compile(r"kb-\d{8}T\d{6}Z")  # the daily backups: pruned to KB_BACKUP_KEEP
UPGRADE_PREFIX = "before-upgrade-"  # kept until staff delete them
BACKUP_ID = "daily-backup"
BACKUP_JOB = "ops.backup:scheduled"


@dataclass(frozen=True)
class Backup:
    path: Path
    created_at: str
    schema: int
    documents: int
    bytes: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path)}


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def stored_schema(path: Path) -> int | None:
    """The schema of the store at ``path`` as it is (None: no store), without migrating it."""
    if not path.is_file():
        return None
    with closing(sqlite3.connect(path)) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


def copy_store(source: Path, target: Path) -> tuple[int, int]:
    """Copy the store at ``source`` to ``target`` (a single file, mode 0600); its schema and
    documents. A connection of its own rather than a `Store`: opening a Store migrates, and a
    backup taken before an upgrade must keep the schema it found."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.execute("PRAGMA busy_timeout=10000")
        src.backup(dst)  # pages=-1: everything in one step, one read transaction
        dst.execute("PRAGMA journal_mode=DELETE")  # one file, no WAL beside it
        problem = dst.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise OpsError(f"the copy of the store is damaged: {problem}")
        schema = int(dst.execute("PRAGMA user_version").fetchone()[0])
        documents = int(dst.execute("SELECT count(*) FROM documents").fetchone()[0])
    target.chmod(0o600)
    return schema, documents


def backup(settings: Settings, dest: Path) -> Backup:
    """Back up the store (and the generated key) into ``dest``, a new or empty directory."""
    if not settings.db_path.is_file():
        raise NotFoundError("store", str(settings.db_path))
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise InvalidError(f"{dest} exists and is not an empty directory")
    began = time.monotonic()
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700, parents=True)
    try:
        schema, documents = copy_store(settings.db_path, partial / STORE_FILE)
        key = settings.data_dir / KEY_FILE
        if key.is_file():
            shutil.copyfile(key, partial / KEY_FILE)
            (partial / KEY_FILE).chmod(0o600)
        size = sum(p.stat().st_size for p in partial.iterdir())
        made = Backup(dest, now(), schema, documents, size, round(time.monotonic() - began, 3))
        (partial / MANIFEST).write_text(json.dumps(made.as_dict(), indent=1), "utf-8")
        if dest.exists():
            dest.rmdir()
        partial.rename(dest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return made


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete the daily backups in ``directory`` but the newest ``keep``; returns the deleted."""
    daily = sorted(
        p for p in directory.iterdir() if DAILY.fullmatch(p.name) and (p / MANIFEST).is_file()
    )
    old = daily[: max(0, len(daily) - keep)]
    for path in old:
        shutil.rmtree(path)
    return old


def run(settings: Settings, trigger: Trigger, dest: Path | None = None) -> Backup:
    """A backup, recorded in the store: into ``dest``, or else (the daily one) into
    ``KB_BACKUP_DIR``, pruned to the newest ``KB_BACKUP_KEEP`` afterwards."""
    started = now()
    target = dest or settings.backup_path / f"kb-{_stamp()}"
    try:
        if dest is None:
            settings.backup_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        made = backup(settings, target)
    except Exception as exc:
        _record(settings, trigger, started, False, {"path": str(target), "error": str(exc)[:500]})
        raise
    if dest is None:
        prune(settings.backup_path, max(1, settings.backup_keep))
    _record(settings, trigger, started, True, made.as_dict())
    log.info(
        "backup of %d documents to %s",
        made.documents,
        made.path,
        extra={"bytes": made.bytes, "seconds": made.seconds, "trigger": trigger},
    )
    return made


def _record(
    settings: Settings, trigger: Trigger, started: str, ok: bool, detail: dict[str, Any]
) -> None:
    if trigger == "schedule":
        metrics.job_run("backup", ok)
    if stored_schema(settings.db_path) != len(MIGRATIONS):
        # Recording opens the store, which would migrate it: a backup of another release's
        # store leaves it as it found it.
        log.warning("backup not recorded in the store: its schema is not this release's")
        return
    store = Store.open(settings.db_path)
    try:
        JobRuns(store).record("backup", "", trigger, started, ok, detail)
    finally:
        store.close()


def upgrade(settings: Settings) -> Backup | None:
    """Before this release migrates an older store: a backup of it as it is, into
    ``KB_BACKUP_DIR/before-upgrade-schema-N-…``, then the migration, and the backup recorded.
    Nothing for a new store or one of this release."""
    found = stored_schema(settings.db_path)
    if not found or found >= len(MIGRATIONS):
        return None
    started = now()
    dest = settings.backup_path / f"{UPGRADE_PREFIX}schema-{found}-{_stamp()}"
    made = backup(settings, dest)
    log.warning(
        "the store has schema %d, this release %d: backed up to %s before migrating",
        found,
        len(MIGRATIONS),
        made.path,
    )
    Store.open(settings.db_path).close()  # migrates
    _record(settings, "upgrade", started, True, made.as_dict())
    return made


# -- the daily backup on the scheduler ---------------------------------------------------------

# The settings of the running service, for the job (a persisted job names its function only).
_settings: Settings | None = None


def scheduled() -> None:
    """The daily backup; a failure is logged and recorded, the next day tries again."""
    settings = _settings
    if settings is None:
        log.warning("daily backup: the service is not configured; skipped")
        return
    try:
        run(settings, "schedule")
    except Exception:
        log.exception("daily backup failed")


def install(scheduler: BackgroundScheduler, settings: Settings) -> None:
    """The daily backup on ``KB_BACKUP_CRON`` (Berlin time); none with ``KB_BACKUP_KEEP=0``."""
    # The scheduler's modules here, not above: every command opens the store through
    # `upgrade`, and only the service schedules.
    from ops.scheduler import keep_or_replace, trigger

    global _settings
    _settings = settings
    if settings.backup_keep == 0:
        if scheduler.get_job(BACKUP_ID) is not None:
            scheduler.remove_job(BACKUP_ID)
        return
    keep_or_replace(scheduler, BACKUP_ID, BACKUP_JOB, trigger(settings.backup_cron), name="backup")


@dataclass(frozen=True)
class Overview:
    """What the staff page shows: the latest runs, where the daily backups go and how many
    stay, and when the next one runs (when this process runs the scheduler)."""

    runs: list[JobRun]
    ended: dict[int, datetime]  # when each run ended, Berlin time, by its id
    directory: Path
    keep: int
    cron: str
    next_run: datetime | None


def overview(store: Store, settings: Settings, scheduler: BackgroundScheduler | None) -> Overview:
    from ops.scheduler import TIMEZONE

    job = scheduler.get_job(BACKUP_ID) if scheduler is not None else None
    runs = JobRuns(store).latest("backup")
    berlin = ZoneInfo(TIMEZONE)
    return Overview(
        runs,
        {r.id: datetime.fromisoformat(r.finished_at).astimezone(berlin) for r in runs},
        settings.backup_path,
        settings.backup_keep,
        settings.backup_cron,
        job.next_run_time if job is not None else None,
    )
