"""Several processes serving one address (``kb serve --workers N``).

Each worker binds a socket of its own to the address with ``SO_REUSEPORT``, so the kernel
spreads new connections over the workers, keep-alive clients included; with one shared socket,
whichever worker wakes first takes a connection, and one busy worker can end up with all of
them. Each worker builds the app from the environment's settings (`web.app.from_environment`);
one of them runs the scheduler (`ops.jobs.Scheduling`). The parent restarts a worker that dies
and stops them all on SIGINT or SIGTERM.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

from kb.settings import Settings
from ops.metrics import MULTIPROCESS_DIR
from web.proxies import server_options

log = logging.getLogger(__name__)
BACKLOG = 2048


def _worker(host: str, port: int) -> None:
    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    # Inherited by the accepted connections, which uvicorn leaves as they come on a socket it
    # is given: without it every answer waited out the client's delayed ACK (40 ms).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    options = server_options(Settings())
    config = uvicorn.Config(
        "web.app:from_environment",
        factory=True,
        log_level="warning",
        log_config=None,  # the service's log (`kb.logs`), configured by the app
        access_log=False,  # requests are logged by the app
        **options,
    )
    uvicorn.Server(config).run(sockets=[sock])


def serve(host: str, port: int, workers: int) -> None:
    """Run ``workers`` processes on ``host:port`` until a signal stops them."""
    # The workers' counters, added up by whichever worker answers /metrics (`ops.metrics`), in
    # a directory new at every start, as prometheus-client's multiprocess mode wants.
    counters = tempfile.mkdtemp(prefix="kb-metrics-")
    os.environ[MULTIPROCESS_DIR] = counters  # inherited by the workers
    try:
        _run(host, port, workers)
    finally:
        del os.environ[MULTIPROCESS_DIR]
        shutil.rmtree(counters, ignore_errors=True)


def _run(host: str, port: int, workers: int) -> None:
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited locks
    stopping = False

    def start() -> BaseProcess:
        process = context.Process(target=_worker, args=(host, port), name="kb-worker")
        process.start()
        return process

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    processes = [start() for _ in range(workers)]
    while not stopping:
        wait([p.sentinel for p in processes], timeout=0.5)
        for n, process in enumerate(processes):
            if not process.is_alive() and not stopping:
                log.warning(
                    "worker %s exited with %s; started again", process.pid, process.exitcode
                )
                processes[n] = start()
    for process in processes:
        process.terminate()  # SIGTERM: uvicorn finishes the requests under way
    for process in processes:
        process.join(timeout=30)
