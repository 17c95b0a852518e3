"""Where an import's time goes: each stage of ``kb import`` alone, one after another, in one
process.

    python -m bench import_stages [--docs 20000]

Writes ``--docs`` generated documents (the corpus of ``bench serve``) as an import file, then
runs over all of them: parsing the lines, entities, labels and fingerprints (`kb.derived`),
writing the store, the facts of calls and the index. Prints each stage's CPU milliseconds per
document and the total beside the budget of ``kb import``'s target, 500 documents a second on
two cores (4 ms of CPU a document, were both cores busy all the time).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bench.corpus import write_jsonl
from bench.machine import describe
from crawler.documents import places_of
from crawler.jsonl import parse_line, read_lines
from kb.call_store import CallStore
from kb.derived import derive
from kb.errors import ImportLineError
from kb.settings import Settings
from ops.services import Services

T = TypeVar("T")
BUDGET_MS = 2 * 1000 / 500  # two cores, 500 documents a second


def _stage(name: str, count: int, run: Callable[[], T]) -> tuple[T, float]:
    started = time.process_time()
    result = run()
    per_doc = (time.process_time() - started) * 1000 / count
    print(f"{name:<24} {per_doc:6.2f} ms a document", flush=True)
    return result, per_doc


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench import_stages")
    parser.add_argument("--docs", type=int, default=20_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        path = write_jsonl(Path(tmp) / "import.jsonl", args.docs, seed=3)
        services = Services.open(Settings(data_dir=data))
        extractor = services.extractor
        places = places_of(extractor)
        with path.open("rb") as stream:
            lines = [line for line in read_lines(stream) if not isinstance(line, ImportLineError)]
        n = len(lines)
        print(f"{n:,} generated documents, one process; CPU time; {describe()}")
        parsed, parse_ms = _stage(
            "parsing", n, lambda: [parse_line(number, text, places) for number, text in lines]
        )
        mentions, entities_ms = _stage(
            "entities",
            n,
            lambda: [
                extractor.extract(p.doc.text, p.doc.lang, p.doc.language_passages()) for p in parsed
            ],
        )
        derived, derive_ms = _stage(
            "labels, fingerprints", n, lambda: [derive(p.doc) for p in parsed]
        )

        def write() -> None:
            for item, found, values in zip(parsed, mentions, derived, strict=True):
                item.doc.mentions = found
                services.store.upsert_document(item.doc, derived=values)

        _, write_ms = _stage("writing the store", n, write)
        _, calls_ms = _stage("facts of calls", n, lambda: CallStore(services.store).refresh())
        _, index_ms = _stage("the index", n, lambda: services.index.sync(services.store))
        total = parse_ms + entities_ms + derive_ms + write_ms + calls_ms + index_ms
        print(f"{'total':<24} {total:6.2f} ms a document (500/s on two cores: {BUDGET_MS:.0f} ms)")
        services.close()
