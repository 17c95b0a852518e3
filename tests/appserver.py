"""The web app served by a real uvicorn on a free loopback port, for API and browser tests, and
``kb serve`` in processes of its own."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

KB = str(Path(sys.executable).with_name("kb"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class AppServer:
    def __init__(self, app: FastAPI) -> None:
        self._app = app
        self._bind()

    def _bind(self) -> None:
        self.port = free_port()
        config = uvicorn.Config(self._app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        for _ in range(3):
            self._thread.start()
            deadline = time.monotonic() + 20
            while not self._server.started and self._thread.is_alive():
                if time.monotonic() > deadline:
                    raise RuntimeError("the web app did not start")
                time.sleep(0.02)
            if self._server.started:
                return self
            self._bind()  # the port found free was taken before the server bound it
        raise RuntimeError("the web app did not start")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


class ServeProcess:
    """``kb serve ARGS`` in a process of its own on a free loopback port, its output in ``log``.

    A port found free may be taken by another test before the server binds it: the server is
    then started again on another. A server that ends or never answers fails the test with
    its output."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self._args, self._env, self.log = args, env, log
        self.port, self.process = self._start()

    def _start(self) -> tuple[int, subprocess.Popen[bytes]]:
        port = free_port()
        with self.log.open("ab") as out:
            command = [KB, "serve", "--port", str(port), *self._args]
            return port, subprocess.Popen(command, env=self._env, stdout=out, stderr=out)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self, seconds: float = 60) -> httpx.Response:
        """``/healthz``'s answer, once the server gives one."""
        deadline = time.monotonic() + seconds
        while True:
            if self.process.poll() is not None:
                output = self.log.read_text("utf-8", "replace")
                if "address already in use" not in output.lower():
                    pytest.fail(f"kb serve ended ({self.process.returncode}): {output[-3000:]}")
                self.log.write_text("")
                self.port, self.process = self._start()
            try:
                # Waited for, not asked again: a slow answer is still one request.
                answer = httpx.get(
                    f"{self.url}/healthz", timeout=max(0.1, deadline - time.monotonic())
                )
                if answer.status_code == 200:
                    return answer
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                output = self.log.read_text("utf-8", "replace")
                pytest.fail(f"kb serve on {self.port} did not answer: {output[-3000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
