"""Worker processes that end with the process that started them.

A worker forked for indexing or entity extraction waits on pipes that other workers hold open
too, so it never sees its parent go: killed (``kill -9``, the OOM killer), the parent would
leave its workers blocked for good. Linux delivers a signal to a process when its parent
ends, if the process asks for it (``PR_SET_PDEATHSIG``); elsewhere this is a no-op.

The signal comes when the *thread* that forked the worker ends, so fork workers from a thread
that outlives them (the main thread, or one that waits for them).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

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
