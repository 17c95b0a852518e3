"""The service's log: one line per event on standard error, with time, level, logger, message
and the event's fields (``log.info("backup done", extra={"bytes": n})``); as text or, with
``KB_LOG_FORMAT=json``, as JSON lines for a log collector.

Credentials never reach the log: every line is scrubbed of the secrets the service is given
(``KB_SMTP_PASSWORD``, ``KB_SECRET_KEY``, ``KB_METRICS_TOKEN``, the sources' passwords), of
Bearer tokens, API tokens, passwords in URLs and query strings, and of fields whose name says
they hold a secret. Request bodies, where people type their passwords, are never logged.

    >>> configure(Settings())
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from kb.settings import Settings

REDACTED = "[redacted]"
# Names of fields that hold secrets, whatever their value.
SECRET_NAMES = re.compile(r"pass(word|wort)?|secret|token|authori[sz]ation|cookie|credential", re.I)
# Secrets by their form: Bearer credentials, the service's API tokens, the user part of a URL,
# and parameters named like secrets in query strings or ``name=value`` text.
SECRET_FORMS = [
    (re.compile(r"(?i)\b(bearer|basic)\s+[^\s,;\"']+"), rf"\1 {REDACTED}"),
    (re.compile(r"\bkb_[A-Za-z0-9_-]{16,}"), REDACTED),
    (re.compile(r"(://)[^/\s:@]+:[^/\s@]+@"), rf"\1{REDACTED}@"),
    (
        re.compile(r"(?i)\b(pass(?:word|wort)?|secret|token)(\"?\s*[=:]\s*\"?)[^\s&,;\"']+"),
        rf"\1\2{REDACTED}",
    ),
]
SHORTEST_SECRET = 4  # shorter configured values would blank out ordinary words
# Attributes every record has: the rest are the event's fields. Uvicorn adds a coloured copy
# of its message, which is no field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}
# Libraries whose INFO lines would drown the service's own: every request of the crawler.
QUIET = ("httpx", "httpcore", "python_multipart", "multipart")


def configured_secrets(settings: Settings, environ: dict[str, str] | None = None) -> set[str]:
    """The secret values the service holds: they are scrubbed wherever they appear."""
    env = os.environ if environ is None else environ
    found = {settings.smtp_password, settings.secret_key, settings.metrics_token}
    found |= {v for k, v in env.items() if k.startswith("KB_SOURCE_") and k.endswith("_PASSWORD")}
    return {s for s in found if len(s) >= SHORTEST_SECRET}


class Scrubber:
    """Removes secrets from text: known values first, then the forms secrets take."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first: a secret that contains another is removed whole.
        self._secrets = sorted(set(secrets), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        for pattern, replacement in SECRET_FORMS:
            text = pattern.sub(replacement, text)
        return text

    def value(self, name: str, value: object) -> object:
        if SECRET_NAMES.search(name):
            return REDACTED
        if isinstance(value, str):
            return self(value)
        if isinstance(value, int | float | bool) or value is None:
            return value
        if isinstance(value, dict):
            return {str(k): self.value(str(k), v) for k, v in value.items()}
        if isinstance(value, list | tuple | set):
            return [self.value("", v) for v in value]
        return self(str(value))


def _text_value(value: object) -> str:
    """A field's value in a text line: JSON for all but plain words, so a line stays one."""
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    plain = value and not re.search(r"[\s=\"\\]", value)
    return value if plain else json.dumps(value, ensure_ascii=False)


class LineFormatter(logging.Formatter):
    """One line per record: text (``time LEVEL logger: message key=value …``) or JSON; a
    traceback becomes the field ``exc``, on the same line."""

    def __init__(self, as_json: bool, scrub: Scrubber) -> None:
        super().__init__()
        self._json = as_json
        self._scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        scrub = self._scrub
        at = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        fields = {
            name: scrub.value(name, value)
            for name, value in vars(record).items()
            if name not in _STANDARD and not name.startswith("_")
        }
        if record.exc_info:
            fields["exc"] = scrub(self.formatException(record.exc_info))
        if record.stack_info:
            fields["stack"] = scrub(self.formatStack(record.stack_info))
        message = scrub(record.getMessage())
        if self._json:
            line = {"time": at, "level": record.levelname, "logger": record.name}
            return json.dumps({**line, "message": message, **fields}, ensure_ascii=False)
        head = f"{at.replace('+00:00', 'Z')} {record.levelname} {record.name}: "
        tail = "".join(f" {name}={_text_value(value)}" for name, value in fields.items())
        return head + message.replace("\n", "\\n") + tail


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Standard error as it is when a line is written (a test runner may swap it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


_handler: logging.Handler | None = None


def configure(
    settings: Settings, level: str | None = None, stream: TextIO | None = None
) -> logging.Handler:
    """The one handler of the root logger, after the settings (``level`` overrides
    ``KB_LOG_LEVEL``); configuring again replaces it."""
    global _handler
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    handler: logging.Handler = _Stderr() if stream is None else logging.StreamHandler(stream)
    scrub = Scrubber(configured_secrets(settings))
    handler.setFormatter(LineFormatter(settings.log_format == "json", scrub))
    root.addHandler(handler)
    root.setLevel((level or settings.log_level).upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    _handler = handler
    return handler
