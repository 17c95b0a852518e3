"""Accounts, sessions, personal API tokens, the login rate limit and signed mail links.

Roles rise in rank: a member (staff of a member city) also sees members-only documents, an
editor also curates, an admin also manages accounts. Passwords are hashed with Argon2; session
and API tokens are random and stored only as SHA-256 hashes, so a copy of the database lets no
one in.

    >>> accounts = Accounts(store)
    >>> user = accounts.add("a@stadt.test", "member", "ein langes Passwort")
    >>> token, csrf = accounts.start_session(user)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY

from kb.errors import AccountError
from kb.settings import PasswordHashing, Settings
from kb.store import Store
from kb.viewer import ROLES, Role

MIN_PASSWORD = 10
SESSION_DAYS = 14  # a working fortnight: members log in rarely, a stolen cookie dies anyway
# Failed logins allowed per window: 5 per account stops guessing one password while a user who
# mistypes a few times still gets in; 20 per address stops spraying many accounts from one host
# without locking out a city hall whose staff share one address.
MAX_FAILURES_ACCOUNT = 5
MAX_FAILURES_ADDRESS = 20
FAILURE_WINDOW = timedelta(minutes=15)
# Password reset requests per hour: 3 per account address (known or not: counting alike tells
# nothing) stops flooding someone's inbox; 10 per client address stops one host from mailing
# many people.
MAX_RESETS_ACCOUNT = 3
MAX_RESETS_ADDRESS = 10
RESET_WINDOW = timedelta(hours=1)
LinkPurpose = Literal["invite", "reset"]

# Argon2id as RFC 9106 recommends for memory-constrained hosts (the library's default). The
# cheapest parameters are for test suites only: there a login costs microseconds, not a third
# of a second of all cores.
_PARAMETERS = {"argon2id": RFC_9106_LOW_MEMORY, "cheapest-for-tests": CHEAPEST}
_hasher = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)


def use_hashing(name: PasswordHashing) -> None:
    """Hash new passwords (and rehash old ones at their next login) with these parameters;
    called once at start from the settings."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(_PARAMETERS[name])
    _dummy_hash.cache_clear()


# Verified when the account is unknown, so that its absence takes as long as a wrong password.
@cache
def _dummy_hash() -> str:
    # Made on first need: hashing costs a tenth of a second, which no import should pay.
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: Role
    disabled: bool
    created_at: str
    has_password: bool


@dataclass(frozen=True)
class ApiToken:
    id: int
    user_id: int
    email: str
    name: str
    created_at: str
    revoked: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def normal_email(email: str) -> str:
    """The address as stored: trimmed, lower-case; `AccountError` when it is no address."""
    address = email.strip().lower()
    local, _, domain = address.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in address) or len(address) > 254:
        raise AccountError(f"{email!r} is not an e-mail address")
    return address


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")


def secret_key(settings: Settings) -> bytes:
    """``KB_SECRET_KEY``, or else a key generated once into the data directory (mode 0600), so
    that a restart keeps sessions and mailed links valid."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path: Path = settings.data_dir / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text("ascii").strip().encode()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
    return path.read_text("ascii").strip().encode()


class Accounts:
    """Accounts in the store; ``clock`` is replaceable so that tests can let time pass."""

    def __init__(self, store: Store, clock: Callable[[], datetime] | None = None) -> None:
        self._store = store
        self._conn = store.connection
        self._clock = clock or (lambda: datetime.now(UTC))

    # -- accounts --------------------------------------------------------------------------

    def add(self, email: str, role: str, password: str | None = None) -> User:
        """A new account; without a password it waits for an invitation link to set one."""
        address = normal_email(email)
        role_ = self._role(role)
        if password is not None:
            check_password(password)
        hashed = _hasher.hash(password) if password is not None else ""
        try:
            with self._store.transaction():
                self._conn.execute(
                    "INSERT INTO users (email, role, password_hash, created_at) VALUES (?,?,?,?)",
                    (address, role_, hashed, _iso(self._clock())),
                )
        except sqlite3.IntegrityError as exc:
            raise AccountError(f"an account for {address} exists already") from exc
        return self.by_email(address)

    def users(self) -> list[User]:
        rows = self._conn.execute("SELECT * FROM users ORDER BY email").fetchall()
        return [self._user(r) for r in rows]

    def get(self, user_id: int) -> User | None:
        row = self._conn.execute("SELECT * FROM users WHERE id=?", (user_id,)).fetchone()
        return self._user(row) if row else None

    def find(self, email: str) -> User | None:
        row = self._conn.execute(
            "SELECT * FROM users WHERE email=?", (email.strip().lower(),)
        ).fetchone()
        return self._user(row) if row else None

    def by_email(self, email: str) -> User:
        user = self.find(email)
        if user is None:
            raise AccountError(f"no account for {email}")
        return user

    def set_role(self, user: User, role: str) -> User:
        with self._store.transaction():
            self._conn.execute("UPDATE users SET role=? WHERE id=?", (self._role(role), user.id))
        return self.by_email(user.email)

    def set_disabled(self, user: User, disabled: bool) -> User:
        """A disabled account can neither log in nor use its sessions and tokens; they end for
        good (enabling it again revives none of them: who had them may no longer be trusted)."""
        with self._store.transaction():
            self._conn.execute("UPDATE users SET disabled=? WHERE id=?", (int(disabled), user.id))
            if disabled:
                self._conn.execute("DELETE FROM sessions WHERE user_id=?", (user.id,))
                self._conn.execute(
                    "UPDATE api_tokens SET revoked_at=? WHERE user_id=? AND revoked_at IS NULL",
                    (_iso(self._clock()), user.id),
                )
        return self.by_email(user.email)

    def set_password(self, user: User, password: str) -> None:
        """A new password ends every session of the account (a thief's too)."""
        check_password(password)
        with self._store.transaction():
            self._conn.execute(
                "UPDATE users SET password_hash=? WHERE id=?", (_hasher.hash(password), user.id)
            )
            self._conn.execute("DELETE FROM sessions WHERE user_id=?", (user.id,))

    def authenticate(self, email: str, password: str) -> User | None:
        """The enabled account with this address and password, else None."""
        row = self._conn.execute(
            "SELECT * FROM users WHERE email=?", (email.strip().lower(),)
        ).fetchone()
        stored = row["password_hash"] if row and row["password_hash"] else _dummy_hash()
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row["password_hash"] or row["disabled"]:
            return None
        if _hasher.check_needs_rehash(stored):
            with self._store.transaction():
                self._conn.execute(
                    "UPDATE users SET password_hash=? WHERE id=?",
                    (_hasher.hash(password), row["id"]),
                )
        return self._user(row)

    # -- sessions --------------------------------------------------------------------------

    def start_session(self, user: User) -> tuple[str, str]:
        """A new session: (the cookie's token, the session's CSRF secret)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self._clock()
        with self._store.transaction():
            self._conn.execute("DELETE FROM sessions WHERE expires_at < ?", (_iso(now),))
            self._conn.execute(
                "INSERT INTO sessions VALUES (?,?,?,?,?)",
                (_digest(token), user.id, csrf, _iso(now), _iso(now + timedelta(SESSION_DAYS))),
            )
        return token, csrf

    def session(self, token: str) -> tuple[User, str] | None:
        """The enabled account of a live session and the session's CSRF secret."""
        row = self._conn.execute(
            "SELECT u.*, s.csrf_secret FROM sessions s JOIN users u ON u.id = s.user_id"
            " WHERE s.token_hash=? AND s.expires_at > ? AND NOT u.disabled",
            (_digest(token), _iso(self._clock())),
        ).fetchone()
        return (self._user(row), row["csrf_secret"]) if row else None

    def end_session(self, token: str) -> None:
        with self._store.transaction():
            self._conn.execute("DELETE FROM sessions WHERE token_hash=?", (_digest(token),))

    # -- API tokens ------------------------------------------------------------------------

    def create_token(self, user: User, name: str = "") -> tuple[int, str]:
        """A personal API token: (its id, the token, shown only now)."""
        token = "kb_" + secrets.token_urlsafe(32)
        with self._store.transaction():
            cur = self._conn.execute(
                "INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES (?,?,?,?)",
                (_digest(token), user.id, name, _iso(self._clock())),
            )
        return int(cur.lastrowid or 0), token

    def token_user(self, token: str) -> User | None:
        """The enabled account of an unrevoked token."""
        row = self._conn.execute(
            "SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id"
            " WHERE t.token_hash=? AND t.revoked_at IS NULL AND NOT u.disabled",
            (_digest(token),),
        ).fetchone()
        return self._user(row) if row else None

    def tokens(self) -> list[ApiToken]:
        rows = self._conn.execute(
            "SELECT t.*, u.email FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id"
        )
        return [
            ApiToken(
                r["id"],
                r["user_id"],
                r["email"],
                r["name"],
                r["created_at"],
                r["revoked_at"] is not None,
            )
            for r in rows
        ]

    def revoke_token(self, token_id: int) -> bool:
        with self._store.transaction():
            cur = self._conn.execute(
                "UPDATE api_tokens SET revoked_at=? WHERE id=? AND revoked_at IS NULL",
                (_iso(self._clock()), token_id),
            )
        return cur.rowcount > 0

    # -- rate limit ------------------------------------------------------------------------

    def login_blocked(self, email: str, address: str) -> bool:
        """Whether too many logins failed lately for this account or from this address."""
        since = _iso(self._clock() - FAILURE_WINDOW)

        def failures(key: str) -> int:
            return int(
                self._conn.execute(
                    "SELECT count(*) FROM login_attempts WHERE key=? AND at > ?", (key, since)
                ).fetchone()[0]
            )

        return (
            failures(f"account:{email.strip().lower()}") >= MAX_FAILURES_ACCOUNT
            or failures(f"address:{address}") >= MAX_FAILURES_ADDRESS
        )

    def login_failed(self, email: str, address: str) -> None:
        now = self._clock()
        with self._store.transaction():
            self._conn.execute(
                "DELETE FROM login_attempts WHERE at <= ?", (_iso(now - FAILURE_WINDOW),)
            )
            self._conn.executemany(
                "INSERT INTO login_attempts VALUES (?, ?)",
                [
                    (f"account:{email.strip().lower()}", _iso(now)),
                    (f"address:{address}", _iso(now)),
                ],
            )

    def login_succeeded(self, email: str) -> None:
        """The account's own count starts again; the address keeps its count."""
        with self._store.transaction():
            self._conn.execute(
                "DELETE FROM login_attempts WHERE key=?", (f"account:{email.strip().lower()}",)
            )

    def reset_allowed(self, email: str, address: str) -> bool:
        """Whether a password reset request for ``email`` from the client ``address`` is within
        the limits; an allowed one is counted."""
        now = self._clock()
        keys = (f"account:{email.strip().lower()}", f"address:{address}")
        with self._store.transaction():
            self._conn.execute(
                "DELETE FROM reset_requests WHERE at <= ?", (_iso(now - RESET_WINDOW),)
            )
            account, client = (
                int(
                    self._conn.execute(
                        "SELECT count(*) FROM reset_requests WHERE key=?", (key,)
                    ).fetchone()[0]
                )
                for key in keys
            )
            if account >= MAX_RESETS_ACCOUNT or client >= MAX_RESETS_ADDRESS:
                return False
            self._conn.executemany(
                "INSERT INTO reset_requests VALUES (?, ?)", [(key, _iso(now)) for key in keys]
            )
        return True

    # -- signed mail links -----------------------------------------------------------------

    def link_token(self, user: User, purpose: LinkPurpose, key: bytes, valid: timedelta) -> str:
        """A signed, expiring token for an invitation or password-reset link. It names the
        account's current password hash, so it dies once a password is set with it."""
        expires = int((self._clock() + valid).timestamp())
        payload = f"{purpose}:{user.id}:{expires}:{self._fingerprint(user.id)}"
        signature = hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=") + "." + signature

    def link_user(self, token: str, purpose: LinkPurpose, key: bytes) -> User | None:
        """The account a valid, unexpired, unused link token names, else None."""
        encoded, _, signature = token.partition(".")
        try:
            payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        expected = hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return None
        try:
            kind, user_id, expires, fingerprint = payload.split(":")
            user = self.get(int(user_id))
            deadline = int(expires)
        except ValueError:
            return None
        if kind != purpose or user is None or user.disabled:
            return None
        if deadline < self._clock().timestamp() or fingerprint != self._fingerprint(user.id):
            return None
        return user

    def _fingerprint(self, user_id: int) -> str:
        row = self._conn.execute(
            "SELECT password_hash FROM users WHERE id=?", (user_id,)
        ).fetchone()
        return hashlib.sha256((row[0] if row else "").encode()).hexdigest()[:16]

    # -- plumbing --------------------------------------------------------------------------

    @staticmethod
    def _role(role: str) -> Role:
        for known in ROLES:
            if role == known:
                return known
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")

    def _user(self, row: sqlite3.Row) -> User:
        return User(
            id=int(row["id"]),
            email=row["email"],
            role=self._role(row["role"]),
            disabled=bool(row["disabled"]),
            created_at=row["created_at"],
            has_password=bool(row["password_hash"]),
        )
