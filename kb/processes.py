"""Worker processes: they end with the process that started them, and their garbage
collections leave long-lived objects alone.

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
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


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
