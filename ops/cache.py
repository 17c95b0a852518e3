"""Results of heavy views (the peer practices matrix, the project database), computed once
and kept until the store or the index changes.

A result is keyed by what it was computed from: the index's build and sync number, the store's
change counter (``PRAGMA data_version`` of a connection that never writes: it moves with every
commit of any other connection, in this process or another), and the view's own arguments
(the viewer's visibility among them). While one thread computes a result, others asking for
the same wait for it instead of computing it again.

    >>> cache.get(("peers", topic, viewer.sees_members_only), lambda: peers(…))
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
SIZE = 128  # results kept: the views of both visibilities for every topic, with room


class ViewCache:
    def __init__(self, state: Callable[[], Hashable], size: int = SIZE) -> None:
        self._state = state
        self._size = size
        self._lock = threading.Lock()
        self._results: OrderedDict[Hashable, Any] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        full = (self._state(), key)
        with self._lock:
            if full in self._results:
                self._results.move_to_end(full)
                found: T = self._results[full]
                return found
            busy = self._computing.setdefault(full, threading.Lock())
        with busy:  # one computes, the others wait for its result
            with self._lock:
                if full in self._results:
                    done: T = self._results[full]
                    return done
            try:
                result = compute()
            finally:
                with self._lock:
                    self._computing.pop(full, None)
            with self._lock:
                self._results[full] = result
                while len(self._results) > self._size:
                    self._results.popitem(last=False)
        return result
