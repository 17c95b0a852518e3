"""Heavy views are computed once per state of the store and index, whoever asks meanwhile."""

from __future__ import annotations

import threading
import time

from kb.settings import Settings
from kb.store import Source
from ops.cache import ViewCache
from ops.services import Services


def test_a_result_is_kept_until_the_state_changes() -> None:
    state = [1]
    calls: list[str] = []
    cache = ViewCache(lambda: state[0])

    def compute() -> str:
        calls.append("x")
        return f"result {state[0]}"

    assert cache.get("view", compute) == "result 1"
    assert cache.get("view", compute) == "result 1" and len(calls) == 1
    state[0] = 2
    assert cache.get("view", compute) == "result 2" and len(calls) == 2


def test_callers_at_once_wait_for_one_computation() -> None:
    calls: list[int] = []
    cache = ViewCache(lambda: 0)

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get("v", slow))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42] * 4 and calls == [1]


def test_the_state_moves_with_commits_of_other_connections(settings: Settings) -> None:
    services = Services.open(settings)
    try:
        before = services.state()
        assert services.state() == before  # reading changes nothing
        services.store.add_source(Source("essen", "https://essen.test/", "news"))
        assert services.state() != before
    finally:
        services.close()
