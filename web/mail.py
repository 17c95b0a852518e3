"""Sending the service's mails (invitations, password resets) over SMTP.

Settings ``KB_SMTP_*``, ``KB_MAIL_FROM``; without ``KB_SMTP_HOST`` nothing is sent and callers
say so (an admin then passes an invitation link on by hand).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from kb.settings import Settings

TIMEOUT = 20  # seconds: a stuck mail server must not hold a request for long


class MailError(Exception):
    """The mail server could not be reached or refused the mail."""


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def configured(self) -> bool:
        return bool(self._settings.smtp_host)

    def send(self, to: str, subject: str, body: str) -> None:
        settings = self._settings
        message = EmailMessage()
        message["From"] = settings.mail_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT) as smtp:
                if settings.smtp_tls:
                    smtp.starttls(context=ssl.create_default_context())
                if settings.smtp_user:
                    smtp.login(settings.smtp_user, settings.smtp_password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"mail to {to} not sent: {exc}") from exc
