"""``kb restore SRC``: a backup (`ops.backup`) back into an empty data directory.

The store is copied in (with SQLite's backup API, so a copy of a data directory whose service
still runs comes over consistent too), migrated when the backup is of an older release, the
generated key beside it; then the index is built from the store.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from index.indexer import CORES
from kb.migrations import MIGRATIONS
from kb.settings import Settings
from kb.store import Store
from ops.backup import KEY_FILE, STORE_FILE, copy_store, stored_schema
from ops.errors import InvalidError, NotFoundError
from ops.services import Services


@dataclass(frozen=True)
class Restored:
    schema_before: int  # the backup's
    schema: int  # this release's, after migrating
    documents: int
    indexed: int


def restore(settings: Settings, source: Path) -> Restored:
    """Restore the backup in the directory ``source`` into ``KB_DATA_DIR``, which must be empty
    (or hold only the backups' directory)."""
    data = settings.data_dir
    if data.exists() and any(p != settings.backup_path for p in data.iterdir()):
        raise InvalidError(f"{data} is not empty: restore into an empty data directory")
    found = source / STORE_FILE
    schema = stored_schema(found)
    if schema is None:
        raise NotFoundError("backup", str(source))
    if schema > len(MIGRATIONS):
        raise InvalidError(f"the backup has schema {schema}, made by a newer release")
    data.mkdir(parents=True, exist_ok=True)
    partial = data / (STORE_FILE + ".partial")
    copy_store(found, partial)
    partial.rename(settings.db_path)
    if (source / KEY_FILE).is_file():
        shutil.copyfile(source / KEY_FILE, data / KEY_FILE)
        (data / KEY_FILE).chmod(0o600)
    # Migrated here, not by the services: a backup of the backup just restored would be waste.
    Store.open(settings.db_path).close()
    services = Services.open(settings)
    try:
        indexed = services.sync(procs=CORES)
        return Restored(schema, len(MIGRATIONS), services.store.count_documents(), indexed)
    finally:
        services.close()
