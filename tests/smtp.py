"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import asyncio
import re
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.appserver import free_port


class Inbox:
    """The server's handler: keeps mails; refuses addresses in ``refuse`` with 550 and, once
    ``down`` is set, answers every mail with 421; takes ``delay`` seconds over each mail."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()
        self.down = False
        self.delay = 0.0

    def serve(self) -> Controller:
        """A started SMTP server delivering to this inbox (stop it when done); on another free
        port if the one found free was taken before it bound."""
        for _ in range(3):
            controller = Controller(self, hostname="127.0.0.1", port=self.port)
            try:
                controller.start()
            except OSError:
                self.port = free_port()
                continue
            return controller
        raise RuntimeError("the SMTP server did not start")

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.down:
            return "421 4.3.2 service not available"
        await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def recipients(self) -> list[str]:
        return sorted(str(m["To"]) for m in self.messages)

    def wait_for(self, count: int, timeout: float = 20) -> None:
        """Until ``count`` mails have arrived (mails sent in the background come later)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} mails arrived"
            time.sleep(0.02)

    def link(self) -> str:
        """The path and query of the link in the latest mail."""
        body = self.messages[-1].get_payload(decode=True)
        assert isinstance(body, bytes)
        found = re.search(r"http://kb\.test(/\S+)", body.decode())
        assert found, body
        return found.group(1)
