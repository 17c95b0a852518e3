"""JSON Lines imports: the documents of a file, then the sync every way in ends with
(`ops.services.Services.sync`). Apart from `ops.pipeline`, so that an import loads nothing of
crawling (fetching, feeds, boards)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crawler.jsonl import ImportReport, import_file
from index.indexer import CORES
from ops.services import Services


@dataclass(frozen=True)
class Imported:
    report: ImportReport
    indexed: int


def import_jsonl(services: Services, path: Path) -> Imported:
    """Import the documents of a JSON Lines file; bad lines are reported by number."""
    settings = services.settings
    with path.open("rb") as lines:
        report = import_file(
            lines,
            services.store,
            services.extractor,
            workers=CORES,
            max_chars=settings.max_text_chars,
            max_line_bytes=settings.import_max_line_bytes,
        )
    return Imported(report, services.sync(procs=CORES))
