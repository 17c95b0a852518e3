"""The service under load: ``kb import``, then ``kb serve`` with one and with two workers.

    python -m bench serve [--docs 20000] [--seconds 8] [--workers 1 2] [--import-runs 3]

Builds ``--docs`` generated documents with ``kb import`` (entities included; 2,000 documents
first, for the small-import rate; each import ``--import-runs`` times into a new directory,
their median reported beside each run), then for each worker count starts ``kb serve --workers N``
and measures over HTTP, with the load generated in other processes:

- each heavy page's first view and its median of five views;
- searches per second and p50/p95 latency at 1, 4 and 16 clients (keep-alive connections);
- the p95 of 4 search clients alone and while another client loops over the heavy pages, and
  the p95 of ``/healthz`` meanwhile;
- the resident memory of every serving process after the load;

and the wall time of ``kb --help`` and ``kb search QUERY --json``. The import rates come with
the CPU seconds of the import's processes, and the figures with the machine's speed at the
start and the end (`bench.machine`).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx

from bench.corpus import COLLECTIONS, queries, write_jsonl
from bench.machine import describe

KB = str(Path(sys.executable).with_name("kb"))
HEAVY = [
    "/praxis",
    "/praxis?topic=" + quote(COLLECTIONS[8]),
    "/praxis/stadt/Essen",
    "/projekte",
    "/foerderung",
    "/veranstaltungen",
    "/?q=Stadt+Sicherheit",
]
SEARCH_CLIENTS = (1, 4, 16)


def _kb(data: Path, *args: str) -> tuple[str, float]:
    env = {**os.environ, "KB_DATA_DIR": str(data)}
    start = time.perf_counter()
    done = subprocess.run([KB, *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout, time.perf_counter() - start


def _import_rate(data: Path, count: int, seed: int, runs: int) -> str:
    """Documents a second of ``kb import`` into a new data directory, ``runs`` times (the last
    one's directory is ``data``): the median, then each run's rate and the CPU seconds of all
    its processes. The same import has taken from 12 to 19 s of CPU on one machine within a
    day: one run measures the machine's phase as much as the code."""
    data.parent.mkdir(parents=True, exist_ok=True)
    lines = write_jsonl(data.parent / f"import-{count}.jsonl", count, seed)
    rates, shown = [], []
    for run in range(runs):
        target = data if run == runs - 1 else data.with_name(f"{data.name}-{run}")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        _, seconds = _kb(target, "import", str(lines))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        rates.append(count / seconds)
        shown.append(f"{count / seconds:.0f}/s ({cpu:.1f} s of CPU)")
        if target != data:
            shutil.rmtree(target)
    return f"{statistics.median(rates):.0f}/s for {count:,} (runs: {', '.join(shown)})"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _server(data: Path, workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    env = {**os.environ, "KB_DATA_DIR": str(data)}
    args = [KB, "serve", "--port", str(port), "--workers", str(workers)]
    # The service's log (a line per request) goes beside its data, not between the figures.
    log = (data.parent / f"serve-{workers}.log").open("wb")
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(url + "/healthz", timeout=5).raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000 if ordered else 0.0


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> None:
    """One GET on a kept-alive connection, its body read to the end; an error status raises.
    By hand over a stream: an HTTP client library costs about 2.5 ms of CPU a request, which on
    two shared cores would be taken from the workers under test."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode("ascii"))
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    status = int(head.split(" ", 2)[1])
    if status >= 400:
        raise RuntimeError(f"{path}: HTTP {status}")
    if "transfer-encoding: chunked" in head:
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readline()
    else:
        length = head.split("content-length:", 1)[1].split("\r\n", 1)[0]
        await reader.readexactly(int(length))


async def _clients(url: str, paths: list[str], clients: int, seconds: float) -> list[float]:
    """``clients`` keep-alive connections asking for ``paths`` in turn for ``seconds``."""
    latencies: list[float] = []
    end = time.monotonic() + seconds
    host, port = url.removeprefix("http://").split(":")

    async def one(offset: int) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        n = offset
        try:
            while time.monotonic() < end:
                start = time.perf_counter()
                await _get(reader, writer, paths[n % len(paths)])
                latencies.append(time.perf_counter() - start)
                n += 1
        finally:
            writer.close()

    await asyncio.gather(*(one(i * 7) for i in range(clients)))
    return latencies


def _load(
    url: str,
    paths: list[str],
    clients: int,
    seconds: float,
    out: multiprocessing.Queue[list[float]],
) -> None:
    out.put(asyncio.run(_clients(url, paths, clients, seconds)))


class Load:
    """A load started in another process (so that it takes no time of this one's)."""

    def __init__(self, url: str, paths: list[str], clients: int, seconds: float) -> None:
        context = multiprocessing.get_context("spawn")
        self._results: multiprocessing.Queue[list[float]] = context.Queue()
        self._process = context.Process(
            target=_load, args=(url, paths, clients, seconds, self._results)
        )
        self._process.start()
        self._seconds = seconds

    def latencies(self) -> list[float]:
        """Wait for the load to end; the latency of each request, in seconds."""
        found = self._results.get(timeout=self._seconds + 300)
        self._process.join()
        return found


def _rss_mb(pid: int) -> list[float]:
    """Resident memory of ``pid`` and its descendants, in MB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        rss = next(line for line in status.splitlines() if line.startswith("VmRSS"))
        found.append(int(rss.split()[1]) / 1024)
    return found


def _heavy_pages(url: str, first: bool) -> None:
    print(f"{'page':<44} {'first':>7} {'median':>7}  (seconds)")
    with httpx.Client(base_url=url, timeout=300) as client:
        for path in HEAVY:
            start = time.perf_counter()
            client.get(path).raise_for_status()
            cold = time.perf_counter() - start
            times = []
            for _ in range(5):
                start = time.perf_counter()
                client.get(path).raise_for_status()
                times.append(time.perf_counter() - start)
            shown = f"{cold:>7.3f}" if first else f"{'-':>7}"
            print(f"{path[:44]:<44} {shown} {statistics.median(times):>7.3f}")


def _searches(url: str, paths: list[str], seconds: float) -> dict[int, float]:
    rates = {}
    for clients in SEARCH_CLIENTS:
        latencies = Load(url, paths, clients, seconds).latencies()
        rates[clients] = len(latencies) / seconds
        p50, p95 = _percentile(latencies, 0.5), _percentile(latencies, 0.95)
        print(
            f"searches, {clients:>2} clients: {rates[clients]:>6.1f}/s  "
            f"p50 {p50:>6.1f} ms  p95 {p95:>6.1f} ms"
        )
    return rates


def _interference(url: str, paths: list[str], seconds: float) -> None:
    quiet = Load(url, paths, 4, seconds).latencies()
    heavy = Load(url, HEAVY, 1, seconds + 2)
    time.sleep(1)
    searching, health = Load(url, paths, 4, seconds), Load(url, ["/healthz"], 1, seconds)
    busy, healthz = searching.latencies(), health.latencies()
    heavy.latencies()
    p95_quiet, p95_busy = _percentile(quiet, 0.95), _percentile(busy, 0.95)
    print(
        f"4 search clients, p95: {p95_quiet:.1f} ms alone, {p95_busy:.1f} ms beside a client"
        f" looping over the heavy pages ({p95_busy / p95_quiet:.2f}x);"
        f" /healthz meanwhile p50 {_percentile(healthz, 0.5):.1f} ms,"
        f" p95 {_percentile(healthz, 0.95):.1f} ms"
    )


def _commands(data: Path) -> None:
    helps = [_kb(data, "--help")[1] for _ in range(5)]
    searches = [_kb(data, "search", "Stadt Sicherheit", "--json")[1] for _ in range(5)]
    print(
        f"kb --help {statistics.median(helps):.2f} s; "
        f"kb search QUERY --json {statistics.median(searches):.2f} s (medians of 5)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench serve")
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--import-runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        print(describe())
        small = _import_rate(tmp / "small" / "data", 2_000, seed=5, runs=args.import_runs)
        print(f"kb import with entities, median of {args.import_runs}: {small}", flush=True)
        data = tmp / "big" / "data"
        large = _import_rate(data, args.docs, seed=7, runs=args.import_runs)
        print(f"kb import with entities, median of {args.import_runs}: {large}", flush=True)
        _commands(data)
        paths = [f"/api/search?q={quote(q)}" for q in queries(100)]
        rates: dict[int, dict[int, float]] = {}
        for workers in args.workers:
            print(f"-- kb serve --workers {workers}, {args.docs:,} documents")
            with _server(data, workers) as (url, process):
                _heavy_pages(url, first=workers == args.workers[0])
                rates[workers] = _searches(url, paths, args.seconds)
                if workers == args.workers[0]:
                    _interference(url, paths, args.seconds)
                sizes = ", ".join(f"{mb:.0f}" for mb in _rss_mb(process.pid))
                print(f"RSS after the load (MB; the command, then its workers): {sizes}")
        if len(rates) > 1:
            first, last = args.workers[0], args.workers[-1]
            for clients in SEARCH_CLIENTS:
                ratio = rates[last][clients] / rates[first][clients]
                print(f"{clients:>2} clients: {last} workers {ratio:.2f}x the searches of {first}")
    print(describe())
