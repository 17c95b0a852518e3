"""Whether the service is ready (``GET /readyz``): the store answers at this release's schema,
the index opens at this release's fields, and the jobs run where they should: in this process
when it holds the scheduler's lease, else in another that does.

``GET /healthz`` asks none of this: it says the process answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.migrations import MIGRATIONS
from ops.jobs import Scheduling
from ops.services import Services

OK = "ok"


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]  # what was checked: "ok" or what is wrong

    @property
    def ready(self) -> bool:
        return all(found == OK for found in self.checks.values())


def readiness(services: Services, scheduling: Scheduling | None) -> Readiness:
    """``scheduling`` is the app's share in running the jobs; None when it runs none (an app
    beside the service, as in tests)."""
    checks = {"store": _store(services), "index": _index(services)}
    if scheduling is not None:
        checks["scheduler"] = OK if scheduling.running() else "no process runs the scheduler"
    return Readiness(checks)


def _store(services: Services) -> str:
    try:
        services.store.ping()
        schema = services.store.schema_version
    except Exception as exc:
        return f"the store does not answer: {exc}"
    return OK if schema == len(MIGRATIONS) else f"schema {schema}, this release {len(MIGRATIONS)}"


def _index(services: Services) -> str:
    try:
        services.index.open().doc_count()
        outdated = services.index.outdated()
    except Exception as exc:
        return f"the index does not open: {exc}"
    return "built with other fields: kb reindex" if outdated else OK
