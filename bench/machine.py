"""How fast the machine is right now: the shared machine's speed varies by a third from one
hour to the next, more than most changes measured beside it. Benchmarks print this beside
their figures, so that runs of different phases are not compared as if alike."""

from __future__ import annotations

import time

PROBE = 30_000_000  # additions: about half a second on a fast phase of the machine


def probe() -> float:
    """CPU seconds of a fixed loop in this process (the least of three)."""
    times = []
    for _ in range(3):
        start = time.process_time()
        sum(range(PROBE))
        times.append(time.process_time() - start)
    return min(times)


def describe() -> str:
    return f"CPU probe (sum(range({PROBE:_}))): {probe():.2f} s"
