"""``/healthz`` says the process answers; ``/readyz`` that the store answers, the index opens
and the jobs run where they should (here, or in the process holding the scheduler's lease)."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx

from ops.health import readiness
from ops.jobs import Scheduling
from ops.services import Services
from tests.appserver import AppServer
from tests.factories import make_settings
from web.app import create_app

HOUR = 3600.0  # no takeover within a test


def test_healthz_answers_and_readyz_checks_store_and_index(tmp_path: Path) -> None:
    services = Services.open(make_settings(tmp_path))
    with AppServer(create_app(services)) as server:
        assert httpx.get(server.url + "/healthz").json() == {"status": "ok", "scheduler": False}
        ready = httpx.get(server.url + "/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "checks": {"store": "ok", "index": "ok"}}
    shutil.rmtree(services.index.directory)
    services.index.directory.write_text("kein Verzeichnis")  # a disk gone wrong
    found = readiness(services, None)
    assert not found.ready and found.checks["index"].startswith("the index does not open")
    services.close()


def test_readyz_wants_a_process_that_runs_the_jobs(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    holder_services, services = Services.open(settings), Services.open(settings)
    holder = Scheduling(holder_services, retry=HOUR).begin()  # another process's lease
    try:
        with AppServer(create_app(services, scheduler=True)) as server:
            assert httpx.get(server.url + "/healthz").json()["scheduler"] is False
            ready = httpx.get(server.url + "/readyz")
            assert ready.status_code == 200 and ready.json()["checks"]["scheduler"] == "ok"
            assert readiness(holder_services, holder).ready  # the jobs run here
            holder.end()  # the process with the jobs stops; nobody has taken over yet
            ready = httpx.get(server.url + "/readyz")
            assert ready.status_code == 503
            assert ready.json() == {
                "status": "not ready",
                "checks": {
                    "store": "ok",
                    "index": "ok",
                    "scheduler": "no process runs the scheduler",
                },
            }
    finally:
        holder.end()
        holder_services.close()
        services.close()
