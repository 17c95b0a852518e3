"""``kb backup`` and ``kb restore``: the store copied while the service runs, and brought back
into an empty data directory (`ops.backup`, `ops.restore`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def backup(
    dest: Annotated[Path, typer.Argument(help="A new or empty directory.", file_okay=False)],
) -> None:
    """Back up the store and its key while the service runs; the index is rebuilt on restore."""
    from kb.settings import Settings
    from ops import backup as backups

    made = backups.run(Settings(), "command", dest)
    typer.echo(
        f"backup {made.path}: schema {made.schema}, {made.documents} documents,"
        f" {made.bytes / 1e6:.1f} MB in {made.seconds:.1f} s"
    )


def restore(
    src: Annotated[Path, typer.Argument(help="A directory made by kb backup.", file_okay=False)],
) -> None:
    """Restore a backup into an empty KB_DATA_DIR: the store (migrated to this release), its
    key, and the index built from the store."""
    from kb.settings import Settings
    from ops.restore import restore as restore_backup

    done = restore_backup(Settings(), src)
    migrated = f", migrated to {done.schema}" if done.schema != done.schema_before else ""
    typer.echo(
        f"restored: schema {done.schema_before}{migrated}, {done.documents} documents,"
        f" indexed {done.indexed}"
    )
