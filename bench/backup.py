"""Backup and restore at scale: a store of generated documents, backed up while searches run,
then restored into an empty data directory (the index built from the store).

    python -m bench backup [--docs 50000]

Prints: the sizes of store and index; the backup's time (SQLite's online backup and the check
of the copy) and the searches answered meanwhile; the restore's time (copy, migration check,
index build).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from bench.corpus import documents, queries
from index.indexer import Index
from index.search import SearchRequest, SearchService
from kb.call_store import CallStore
from kb.settings import Settings
from kb.store import Store
from ops.backup import backup
from ops.restore import restore


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench backup")
    parser.add_argument("--docs", type=int, default=50_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        settings = Settings(data_dir=tmp / "live")
        store = Store.open(settings.db_path)
        for doc in documents(args.docs):
            store.upsert_document(doc)
        CallStore(store).refresh()  # as the service keeps it: a backup holds the calls' facts
        index = Index(settings.index_dir)
        index.rebuild(store)
        size = settings.db_path.stat().st_size / 1e6
        indexed = sum(f.stat().st_size for f in settings.index_dir.iterdir()) / 1e6
        print(f"store: {args.docs} documents, {size:.0f} MB; index {indexed:.0f} MB")

        service, texts, searched = SearchService(index, store), queries(50), [0]
        service.search(SearchRequest(texts[0]))  # warm: the first search loads the index
        stop = threading.Event()

        def search() -> None:
            while not stop.is_set():
                service.search(SearchRequest(texts[searched[0] % len(texts)]))
                searched[0] += 1

        searching = threading.Thread(target=search)
        searching.start()
        start = time.perf_counter()
        made = backup(settings, tmp / "backup")
        seconds = time.perf_counter() - start
        stop.set()
        searching.join()
        service.close()
        store.close()
        print(
            f"backup: {seconds:.1f} s ({made.bytes / 1e6 / seconds:.0f} MB/s) while"
            f" {searched[0]} searches were answered"
        )
        start = time.perf_counter()
        done = restore(Settings(data_dir=tmp / "restored"), tmp / "backup")
        print(f"restore: {time.perf_counter() - start:.1f} s, {done.indexed} documents indexed")
