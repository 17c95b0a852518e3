"""Worker processes end with the command that started them, however it ends (issue 17,
point 6): a killed ``kb import`` or ``kb reindex`` leaves no workers behind. Their garbage
collections leave what they inherit alone (issue 16)."""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.derived import Derived
from kb.fingerprint import text_hash
from kb.model import Document
from kb.processes import WorkerError, Workers, forking, settle, settling
from kb.store import Store
from tests.appserver import KB

WORDS = (
    "Kommunale Kriminalprävention verbindet Verwaltung Jugendhilfe Polizei Quartier Essen "
    "Sicherheit Projekt Gewalt Nachtleben Bahnhof Beratung Stadtteil Dortmund"
).split()


def _state(pid: int) -> str | None:
    """The process's state letter (``Z`` for a zombie), None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _descendants(pid: int) -> list[int]:
    """The processes ``pid`` started, and the ones they started (workers forked by the one
    that prepared them)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        parents[int(entry.name)] = int(fields[1])
    found: list[int] = []
    for child, parent in parents.items():
        ancestor = parent
        while ancestor not in (pid, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == pid:
            found.append(child)
    return found


def _text(rng: random.Random, words: int) -> str:
    """Words of many forms: work for the workers (analysis caches little of it)."""
    return " ".join(f"{rng.choice(WORDS)}{rng.randrange(5000)}" for _ in range(words)) + "."


def _killed_with_workers(
    command: list[str], env: dict[str, str], processes: int = 2
) -> Iterator[list[int]]:
    """Start ``command``, kill it (SIGKILL) once it has started ``processes`` at work, and
    yield their ids; those still alive at the end are killed (they are this test's)."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(workers) < processes and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
            workers = _descendants(process.pid)
        assert len(workers) >= processes, "the command started no workers"
        time.sleep(0.5)  # at work
        workers = _descendants(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        yield workers
    finally:
        for pid in workers:
            if _state(pid) not in (None, "Z"):
                os.kill(pid, signal.SIGKILL)


def _gone_within(workers: list[int], seconds: float) -> list[int]:
    """The workers still running after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(_state(pid) in (None, "Z") for pid in workers):
            return []
        time.sleep(0.05)
    return [pid for pid in workers if _state(pid) not in (None, "Z")]


def test_the_workers_of_a_killed_import_end_with_it(tmp_path: Path) -> None:
    rng = random.Random(17)
    path = tmp_path / "viel.jsonl"
    records = (
        {"url": f"https://x.test/{n}", "title": f"Bericht {n}", "text": _text(rng, 2500)}
        for n in range(600)
    )
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records))
    env = {**os.environ, "KB_DATA_DIR": str(tmp_path / "data")}
    # The process that prepares the entity workers, and the two it forked.
    for workers in _killed_with_workers([KB, "import", str(path)], env, processes=3):
        assert _gone_within(workers, 10) == []


def test_the_workers_of_a_killed_reindex_end_with_it(tmp_path: Path) -> None:
    rng = random.Random(17)
    store = Store.open(tmp_path / "data" / "kb.sqlite3")
    with store.transaction():
        for n in range(1200):
            text = _text(rng, 800)
            # No labels: the rules on 800 words never seen before would take most of the test.
            unlabelled = Derived(text_hash(text), None, {})
            doc = Document(url=f"https://x.test/{n}", title=f"Bericht {n}", text=text)
            store.upsert_document(doc, derived=unlabelled)
    store.close()
    env = {**os.environ, "KB_DATA_DIR": str(tmp_path / "data")}
    for workers in _killed_with_workers([KB, "reindex"], env):
        assert _gone_within(workers, 10) == []


def _frozen_objects(results: multiprocessing.queues.Queue[int]) -> None:
    results.put(gc.get_freeze_count())


def test_workers_forked_meanwhile_keep_out_of_their_collections_what_they_inherit() -> None:
    kept = [[n] for n in range(1000)]  # objects the collector tracks
    context = multiprocessing.get_context("fork")
    results: multiprocessing.queues.Queue[int] = context.Queue()
    assert gc.get_freeze_count() == 0
    with forking():
        worker = context.Process(target=_frozen_objects, args=(results,))
        worker.start()
    worker.join(timeout=30)
    assert results.get(timeout=5) >= len(kept)
    assert gc.get_freeze_count() == 0  # this process's own collections take them again


def test_a_worker_keeps_what_it_has_built_out_of_later_collections() -> None:
    try:
        before = gc.get_freeze_count()
        built = [[n] for n in range(1000)]
        settle()
        assert gc.get_freeze_count() >= before + len(built)
    finally:
        gc.unfreeze()


def test_what_a_process_that_goes_on_settled_is_back_in_its_collections_after() -> None:
    with settling():
        kept = [[n] for n in range(1000)]
        settle()
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_freeze_count() == 0


_PREPARED: list[int] = []  # the process that prepared, as the workers inherit it


def _prepare() -> None:
    _PREPARED.append(os.getpid())


def _double(payload: int) -> tuple[int, int, list[int]]:
    if payload < 0:
        os._exit(3)  # as a worker killed from outside
    time.sleep(0.01 * (payload % 3))  # results come back out of order
    return payload * 2, os.getpid(), _PREPARED


def test_workers_start_from_one_preparation_and_give_results_in_order() -> None:
    workers = Workers(2, _prepare, _double)
    try:
        for n in range(40):
            workers.send(n)
        results = list(workers.results())
    finally:
        workers.close()
    assert [doubled for doubled, _, _ in results] == [2 * n for n in range(40)]
    [preparer] = {tuple(prepared) for _, _, prepared in results}
    assert len(preparer) == 1  # prepared once, in neither this process nor a worker
    working = {pid for _, pid, _ in results}
    assert len(working) == 2 and not working & {os.getpid(), *preparer}
    assert _PREPARED == []


def test_a_worker_that_dies_fails_the_results() -> None:
    workers = Workers(2, _prepare, _double)
    try:
        for n in (1, 2, -1, 3):
            workers.send(n)
        with pytest.raises(WorkerError, match="exit code 1"):
            list(workers.results())
    finally:
        workers.close()


def test_workers_say_when_they_are_ready() -> None:
    go = multiprocessing.get_context("fork").Event()

    def prepare() -> None:
        go.wait()

    workers = Workers(1, prepare, _double)
    try:
        assert not workers.ready()  # this process may do their work meanwhile
        go.set()
        workers.send(4)
        assert [doubled for doubled, _, _ in workers.results()] == [8]
        assert workers.ready()
    finally:
        workers.close()
