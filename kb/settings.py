"""Typed settings, read once from the environment (prefix ``KB_``) and passed down.

Every default is chosen so that a fresh machine runs the bundled demo with no configuration.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kb.model import MAX_LINE_BYTES, MAX_TEXT_CHARS

PasswordHashing = Literal["argon2id", "cheapest-for-tests"]


class Settings(BaseSettings):
    """Service settings; see the README for the table of variables."""

    model_config = SettingsConfigDict(env_prefix="KB_", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the store and the index live.")
    crawl_delay: float = Field(
        1.0, ge=0, description="Seconds between two requests to one host: polite by default."
    )
    crawl_concurrency: int = Field(
        1, ge=1, le=8, description="Requests under way at a time per host (with the delay)."
    )
    crawl_timeout: float = Field(20.0, gt=0, description="Seconds before a request gives up.")
    crawl_max_pages: int = Field(
        5000, gt=0, description="Pages per source and run: a guard against crawler traps."
    )
    crawl_max_bytes: int = Field(
        25_000_000, gt=0, description="Largest response body kept; long PDFs fit."
    )
    crawl_retries: int = Field(2, ge=0, description="Retries on 5xx/429 and network errors.")
    crawl_contact: str = Field(
        "", description="Contact (mail or URL) appended to the User-Agent for site operators."
    )
    spacy_model_de: str = Field(
        "", description="Installed official German spaCy model to add, e.g. de_core_news_sm."
    )
    spacy_model_en: str = Field(
        "", description="Installed official English spaCy model to add, e.g. en_core_web_sm."
    )
    host: str = Field("127.0.0.1", description="Address the web UI binds to: loopback is safe.")
    port: int = Field(8000, description="Port of the web UI.")
    demo_site_port: int = Field(
        8799, description="Port of the bundled demo site; fixed so a second demo run reuses URLs."
    )
    secret_key: str = Field(
        "", description="Signs mail links and CSRF tokens; empty: generated into data/secret_key."
    )
    cookie_secure: bool = Field(
        True, description="Session cookies only over HTTPS (browsers allow it on loopback)."
    )
    smtp_host: str = Field("", description="Mail server for invitations and password resets.")
    smtp_port: int = Field(587, description="Port of the mail server.")
    smtp_user: str = Field("", description="Login at the mail server; empty: none.")
    smtp_password: str = Field("", description="Password at the mail server.")
    smtp_tls: bool = Field(True, description="STARTTLS before logging in at the mail server.")
    mail_from: str = Field(
        "wissensdatenbank@defus.invalid", description="Sender address of the service's mails."
    )
    base_url: str = Field(
        "http://127.0.0.1:8000", description="Public address of the web UI, for links in mails."
    )
    newsletter_cron: str = Field(
        "0 8 * * mon", description="When the weekly newsletter goes out (cron, Berlin time)."
    )
    max_upload_bytes: int = Field(
        10_000_000, gt=0, description="Largest request body (board exports) the web UI accepts."
    )
    max_text_chars: int = Field(
        MAX_TEXT_CHARS,
        gt=0,
        description="Longest text kept of one document; longer ones are cut, and that reported.",
    )
    import_max_line_bytes: int = Field(
        MAX_LINE_BYTES, gt=0, description="Longest line of a JSON Lines import; longer refused."
    )
    password_hashing: PasswordHashing = Field(
        "argon2id",
        description="Parameters of the password hashes: argon2id (RFC 9106); cheapest-for-tests"
        " only for test suites, never in service.",
    )
    trusted_proxies: str = Field(
        "",
        description="Reverse proxies (addresses, networks; comma-separated) whose"
        " X-Forwarded-For names the client; empty: the connection's address is the client's.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        """Each entry an IP address or network: a typo must not silently trust nobody (or the
        wrong host)."""
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            try:
                ipaddress.ip_network(entry)  # an address is a network of one
            except ValueError as exc:
                raise ValueError(f"{entry!r} is no IP address or network") from exc
        return ",".join(entries)

    backup_dir: str = Field(
        "", description="Where the daily backups go; empty: KB_DATA_DIR/backups."
    )
    backup_keep: int = Field(
        7, ge=0, description="How many daily backups are kept; 0: no scheduled backup."
    )
    backup_cron: str = Field(
        "30 3 * * *", description="When the daily backup runs (cron, Berlin time)."
    )
    metrics_token: str = Field(
        "", description="Bearer token /metrics wants; empty: /metrics answers loopback only."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as text (level, logger, message, fields) or JSON."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Least important level the service logs."
    )

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kb.sqlite3"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def backup_path(self) -> Path:
        return Path(self.backup_dir) if self.backup_dir else self.data_dir / "backups"

    @property
    def user_agent(self) -> str:
        contact = f"; {self.crawl_contact}" if self.crawl_contact else ""
        return f"DEFUS-KB-Crawler/0.1 (knowledge-base search of the DEFUS network{contact})"
