"""The service's one SMTP client: invitations, password resets, confirmations and the
newsletter all connect through `connector`.

Settings ``KB_SMTP_*``, ``KB_MAIL_FROM``; without ``KB_SMTP_HOST`` nothing is sent and callers
say so (an admin then passes an invitation link on by hand).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage

from kb.settings import Settings
from ops.errors import OpsError

TIMEOUT = 20  # seconds: a stuck mail server must not hold a request or a run for long

Connect = Callable[[], smtplib.SMTP]


class MailError(OpsError):
    """The mail server could not be reached or refused the mail."""


def connector(settings: Settings, timeout: float = TIMEOUT) -> Connect:
    """Connections after ``KB_SMTP_*``: STARTTLS and login when configured."""

    def connect() -> smtplib.SMTP:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        try:
            if settings.smtp_tls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    return connect


class Mailer:
    """Single mails of the service (links to confirm, invite, reset)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def configured(self) -> bool:
        return bool(self._settings.smtp_host)

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        self.send_message(message)

    def send_message(self, message: EmailMessage) -> None:
        try:
            with connector(self._settings)() as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"mail to {message['To']} not sent: {exc}") from exc
