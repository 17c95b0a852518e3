"""Worker processes: they end with the process that started them, their garbage collections
leave long-lived objects alone, and `Workers` start from what one process prepared for all.

A worker forked for indexing or entity extraction waits on pipes that other workers hold open
too, so it never sees its parent go: killed (``kill -9``, the OOM killer), the parent would
leave its workers blocked for good. Linux delivers a signal to a process when its parent
ends, if the process asks for it (``PR_SET_PDEATHSIG``); elsewhere this is a no-op.

The signal comes when the *thread* that forked the worker ends, so fork workers from a thread
that outlives them (the main thread, or one that waits for them).
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.synchronize import Event
from typing import Any, Generic, TypeVar, cast

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
P = TypeVar("P")
R = TypeVar("R")


def die_with_parent(parent: int) -> None:
    """Call first thing in a worker: it is killed when the process ``parent`` ends (and exits
    at once when that has happened already)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the parent ended before the request took effect
        os._exit(1)


# Python's collector goes over every object that can hold others at each full collection. A
# forked worker inherits its parent's (the parsed documents, the catalogue, whole libraries)
# and gathers its own long-lived ones (pipelines, caches, the postings of a segment); an import
# holds its parsed documents until they are written. Importing 20,000 documents, the four
# workers spent 2.1 s in collections and the importing process 1.3 s; with `forking` and
# `settle`, 0.5 and 0.5 s. Objects kept out of the collector (`gc.freeze`) are still freed when
# no longer referenced, but never as part of a cycle: this is for what lives on anyway.


@contextmanager
def forking() -> Iterator[None]:
    """Around starting forked workers: what this process holds is kept out of the workers'
    collections (nor do they write to its pages, which stay shared), and is back in this
    process's own afterwards."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def settle() -> None:
    """After a batch of work: what is alive now (caches, what a worker builds up, what an
    import holds until it writes) is kept out of later collections; in a process that goes on,
    only within `settling`."""
    gc.freeze()


@contextmanager
def settling() -> Iterator[None]:
    """Work that calls `settle`, after which what it kept is back in the collections."""
    try:
        yield
    finally:
        gc.unfreeze()


class WorkerError(RuntimeError):
    """A worker process of a `Workers` pool ended without finishing its work."""


Job = tuple[int, Any]  # a job's number and its payload


class Workers(Generic[P, R]):
    """Worker processes that share what one of them prepares: ``prepare`` runs once, in a
    process forked from this one, which then forks the ``count`` workers (they inherit all it
    built: loaded libraries, pipelines) and watches them. ``work`` runs in the workers, a
    payload at a time; `results` gives its results in the order the payloads were sent.

    Preparing in each worker would cost each the same CPU time (importing spaCy and building
    two pipelines, about a second), here in this process it would keep the other cores idle
    meanwhile: forked from the one process that prepared, the workers start ready while this
    one goes on with its own work. Linux (fork) only.
    """

    def __init__(self, count: int, prepare: Callable[[], None], work: Callable[[P], R]) -> None:
        ctx = multiprocessing.get_context("fork")
        # Queues, not pipes: sending never blocks, so this process may send everything before
        # it reads the first result.
        self._jobs: multiprocessing.Queue[Job | None] = ctx.Queue()
        self._results: multiprocessing.Queue[Job] = ctx.Queue()
        self._count = count
        self._sent = 0
        self._next = 0
        self._done: dict[int, R] = {}
        self._ready = ctx.Event()
        self._prepared = False
        self._keeper = ctx.Process(
            target=_keep,
            args=(count, prepare, work, self._jobs, self._results, self._ready, os.getpid()),
            name="workers",
        )
        with forking():
            self._keeper.start()

    def ready(self) -> bool:
        """Whether the workers are prepared: until then this process may do work of theirs.
        Asked per document: once set, the answer is kept rather than asked of the event."""
        self._prepared = self._prepared or self._ready.is_set()
        return self._prepared

    def send(self, payload: P) -> None:
        self._jobs.put((self._sent, payload))
        self._sent += 1

    def results(self) -> Iterator[R]:
        """The results of all payloads sent, in order; then the workers end."""
        for _ in range(self._count):
            self._jobs.put(None)
        while self._next < self._sent:
            while self._next not in self._done:
                try:
                    number, result = self._results.get(timeout=POLL)
                except queue.Empty:
                    if not self._keeper.is_alive():
                        raise WorkerError(
                            f"a worker process ended (exit code {self._keeper.exitcode})"
                        ) from None
                    continue
                self._done[number] = result
            yield self._done.pop(self._next)
            self._next += 1
        self._keeper.join()

    def close(self) -> None:
        """End the workers now, whatever they are doing."""
        if self._keeper.is_alive():
            self._keeper.kill()  # its workers die with it (`die_with_parent`)
        self._keeper.join()
        for q in (self._jobs, self._results):
            q.cancel_join_thread()  # what was not sent is not needed
            q.close()


POLL = 1.0  # seconds between checks that the workers are still alive


def _keep(
    count: int,
    prepare: Callable[[], None],
    work: Callable[[Any], Any],
    jobs: multiprocessing.Queue[Job | None],
    results: multiprocessing.Queue[Job],
    ready: Event,
    parent: int,
) -> None:
    """The process that prepares, forks the workers and ends with them: at once (and they
    with it) when one of them fails."""
    die_with_parent(parent)
    prepare()
    ready.set()
    ctx = multiprocessing.get_context("fork")
    workers = [
        ctx.Process(target=_serve, args=(work, jobs, results, os.getpid()), daemon=True)
        for _ in range(count)
    ]
    with forking():
        for worker in workers:
            worker.start()
    running = {worker.sentinel: worker for worker in workers}
    while running:
        for sentinel in multiprocessing.connection.wait(list(running)):
            worker = running.pop(cast(int, sentinel))
            worker.join()
            if worker.exitcode:
                os._exit(1)  # the other workers die with this process


def _serve(
    work: Callable[[Any], Any],
    jobs: multiprocessing.Queue[Job | None],
    results: multiprocessing.Queue[Job],
    parent: int,
) -> None:
    die_with_parent(parent)
    while (job := jobs.get()) is not None:
        number, payload = job
        results.put((number, work(payload)))
