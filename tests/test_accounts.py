"""Accounts in the store: Argon2 hashes, sessions, API tokens, the login rate limit, signed
mail links; the login form's rate limit; invitation and reset mails through a real SMTP server."""

from __future__ import annotations

import sqlite3
import stat
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kb import accounts as kb_accounts
from kb.accounts import (
    MAX_FAILURES_ACCOUNT,
    MAX_FAILURES_ADDRESS,
    Accounts,
    secret_key,
    use_hashing,
)
from kb.errors import AccountError
from kb.migrations import MIGRATIONS
from kb.settings import Settings
from kb.store import Store
from ops.services import Services
from tests.appserver import AppServer
from tests.factories import make_settings
from tests.sessions import PASSWORD, form_token, login
from tests.smtp import Inbox
from web.app import create_app

KEY = b"k" * 32


class Clock:
    """A clock the test moves forward."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_the_service_hashes_with_the_parameters_of_rfc_9106(store: Store) -> None:
    assert Settings.model_fields["password_hashing"].default == "argon2id"
    use_hashing("argon2id")
    try:
        Accounts(store).add("anna@stadt.test", "member", PASSWORD)
    finally:
        use_hashing("cheapest-for-tests")  # as the suite runs (tests/conftest.py)
    (stored,) = store.connection.execute("SELECT password_hash FROM users").fetchone()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_passwords_are_stored_as_argon2_hashes(store: Store) -> None:
    accounts = Accounts(store)
    user = accounts.add(" Anna@Stadt.TEST ", "member", PASSWORD)
    assert user.email == "anna@stadt.test" and user.role == "member"
    (stored,) = store.connection.execute("SELECT password_hash FROM users").fetchone()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.authenticate("ANNA@stadt.test", PASSWORD) == user
    assert accounts.authenticate("anna@stadt.test", "falsch-falsch") is None
    assert accounts.authenticate("niemand@stadt.test", PASSWORD) is None
    with pytest.raises(AccountError, match="exists already"):
        accounts.add("anna@stadt.test", "editor", PASSWORD)
    with pytest.raises(AccountError, match="at least"):
        accounts.add("kurz@stadt.test", "member", "kurz")
    with pytest.raises(AccountError, match="unknown role"):
        accounts.add("rolle@stadt.test", "superuser", PASSWORD)
    with pytest.raises(AccountError, match="not an e-mail"):
        accounts.add("keine adresse", "member", PASSWORD)
    accounts.set_disabled(user, True)
    assert accounts.authenticate("anna@stadt.test", PASSWORD) is None


def test_tokens_of_a_disabled_account_stay_revoked_when_it_is_enabled_again(
    store: Store,
) -> None:
    accounts = Accounts(store)
    user = accounts.add("t@stadt.test", "member", PASSWORD)
    _, token = accounts.create_token(user, "Skript")
    accounts.set_disabled(user, True)
    assert accounts.token_user(token) is None
    accounts.set_disabled(user, False)
    assert accounts.token_user(token) is None
    assert [t.revoked for t in accounts.tokens()] == [True]
    _, fresh = accounts.create_token(user, "neu")
    assert accounts.token_user(fresh) == accounts.find("t@stadt.test")


def test_the_migration_revokes_the_tokens_of_accounts_disabled_before(tmp_path: Path) -> None:
    path = tmp_path / "alt.sqlite3"
    old = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:10], start=1):
        old.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    old.executemany(
        "INSERT INTO users (id, email, role, disabled, created_at) VALUES (?,?,?,?,?)",
        [(1, "aus@stadt.test", "member", 1, "2025-01-01"), (2, "an@stadt.test", "member", 0, "x")],
    )
    old.executemany(
        "INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES (?,?,?)",
        [("h1", 1, "2025-01-01"), ("h2", 2, "2025-01-01")],
    )
    old.commit()
    old.close()
    store = Store.open(path)
    try:
        revoked = dict(store.connection.execute("SELECT token_hash, revoked_at FROM api_tokens"))
    finally:
        store.close()
    assert revoked["h1"] is not None and revoked["h2"] is None


def test_sessions_expire_and_end_with_the_account(store: Store) -> None:
    clock = Clock()
    accounts = Accounts(store, clock)
    user = accounts.add("b@stadt.test", "editor", PASSWORD)
    token, csrf = accounts.start_session(user)
    (stored,) = store.connection.execute("SELECT token_hash FROM sessions").fetchone()
    assert token not in stored and len(stored) == 64  # only the SHA-256 is kept
    assert accounts.session(token) == (user, csrf)
    clock.now += timedelta(days=15)
    assert accounts.session(token) is None
    token, _ = accounts.start_session(user)
    accounts.set_password(user, "ein-ganz-neues-passwort")
    assert accounts.session(token) is None  # a new password ends every session
    token, _ = accounts.start_session(user)
    accounts.end_session(token)
    assert accounts.session(token) is None


def test_api_tokens_are_hashed_and_revocable(store: Store) -> None:
    accounts = Accounts(store)
    user = accounts.add("c@stadt.test", "member", PASSWORD)
    token_id, token = accounts.create_token(user, "Auswertung")
    assert token not in str(store.connection.execute("SELECT * FROM api_tokens").fetchall())
    assert accounts.token_user(token) == user
    assert accounts.revoke_token(token_id) and not accounts.revoke_token(token_id)
    assert accounts.token_user(token) is None
    assert accounts.tokens()[0].revoked


def test_failed_logins_are_limited_per_account_and_per_address(store: Store) -> None:
    clock = Clock()
    accounts = Accounts(store, clock)
    for _ in range(MAX_FAILURES_ACCOUNT):
        assert not accounts.login_blocked("d@stadt.test", "10.0.0.1")
        accounts.login_failed("d@stadt.test", "10.0.0.1")
    assert accounts.login_blocked("d@stadt.test", "10.0.0.2")  # the account, from anywhere
    assert not accounts.login_blocked("e@stadt.test", "10.0.0.1")
    clock.now += timedelta(minutes=16)
    assert not accounts.login_blocked("d@stadt.test", "10.0.0.1")
    for n in range(MAX_FAILURES_ADDRESS):
        accounts.login_failed(f"x{n}@stadt.test", "10.0.0.9")
    assert accounts.login_blocked("neu@stadt.test", "10.0.0.9")  # the address, any account


def test_mail_links_are_signed_expire_and_die_once_used(store: Store) -> None:
    clock = Clock()
    accounts = Accounts(store, clock)
    user = accounts.add("f@stadt.test", "member")  # invited: no password yet
    assert not user.has_password
    token = accounts.link_token(user, "invite", KEY, timedelta(days=7))
    assert accounts.link_user(token, "invite", KEY) == user
    assert accounts.link_user(token, "reset", KEY) is None  # another purpose
    assert accounts.link_user(token, "invite", b"x" * 32) is None  # another key
    payload, signature = token.split(".")
    assert accounts.link_user(payload + "." + "0" * len(signature), "invite", KEY) is None
    clock.now += timedelta(days=8)
    assert accounts.link_user(token, "invite", KEY) is None  # expired
    clock.now -= timedelta(days=8)
    accounts.set_password(user, PASSWORD)
    assert accounts.link_user(token, "invite", KEY) is None  # used: the password changed


def test_the_secret_key_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    first = secret_key(settings)
    assert len(first) == 64 and secret_key(settings) == first
    mode = stat.S_IMODE((settings.data_dir / "secret_key").stat().st_mode)
    assert mode == 0o600
    assert secret_key(settings.model_copy(update={"secret_key": "gesetzt"})) == b"gesetzt"


# -- through the web: the login form, rate limit, mails -----------------------------------------


@pytest.fixture
def site(tmp_path: Path, inbox: Inbox) -> Iterator[tuple[str, Services]]:
    settings = make_settings(
        tmp_path,
        cookie_secure=False,
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_tls=False,
        base_url="http://kb.test",
    )
    services = Services.open(settings)
    with AppServer(create_app(services)) as server:
        yield server.url, services
    services.close()


def test_login_sets_a_hardened_session_cookie_and_logout_ends_it(
    site: tuple[str, Services],
) -> None:
    url, services = site
    Accounts(services.store).add("g@stadt.test", "member", PASSWORD)
    with httpx.Client(base_url=url) as client:
        answer = login(client, "g@stadt.test")
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        cookie = answer.headers["set-cookie"].lower()
        assert "kb_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert services.store.connection.execute("SELECT count(*) FROM sessions").fetchone()[0]
        token = form_token(client, "/")
        client.post("/abmelden", data={"csrf_token": token})
        assert not services.store.connection.execute("SELECT count(*) FROM sessions").fetchone()[0]
    # Secure unless switched off (browsers accept it on loopback too; httpx does not).
    secure = Services.open(services.settings.model_copy(update={"cookie_secure": True}))
    with AppServer(create_app(secure)) as server:
        form = httpx.get(server.url + "/anmelden")
        assert "kb_csrf=" in form.headers["set-cookie"]
        assert "; secure" in form.headers["set-cookie"].lower()
    secure.close()


def test_login_needs_the_forms_csrf_token_and_stays_on_this_site(
    site: tuple[str, Services],
) -> None:
    url, services = site
    Accounts(services.store).add("h@stadt.test", "member", PASSWORD)
    with httpx.Client(base_url=url) as client:
        refused = client.post("/anmelden", data={"email": "h@stadt.test", "password": PASSWORD})
        assert refused.status_code == 403
        token = form_token(client, "/anmelden")
        elsewhere = client.post(
            "/anmelden",
            data={"email": "h@stadt.test", "password": PASSWORD, "csrf_token": token,
                  "weiter": "//evil.test/"},
        )  # fmt: skip
        assert elsewhere.status_code == 303 and elsewhere.headers["location"] == "/"


def test_the_login_form_refuses_after_five_failures(site: tuple[str, Services]) -> None:
    url, services = site
    Accounts(services.store).add("i@stadt.test", "member", PASSWORD)
    with httpx.Client(base_url=url) as client:
        for _ in range(MAX_FAILURES_ACCOUNT):
            wrong = login(client, "i@stadt.test", "falsches-passwort")
            assert wrong.status_code == 400 and "Passwort ist falsch" in wrong.text
        blocked = login(client, "i@stadt.test")  # even the right password now
        assert blocked.status_code == 429 and blocked.headers["retry-after"] == "900"
        assert "Zu viele fehlgeschlagene Anmeldungen" in blocked.text
        assert "kb_session" not in client.cookies


def test_password_reset_by_mail(site: tuple[str, Services], inbox: Inbox) -> None:
    url, services = site
    Accounts(services.store).add("j@stadt.test", "member", PASSWORD)
    with httpx.Client(base_url=url) as client:
        token = form_token(client, "/passwort/vergessen")
        for email in ("j@stadt.test", "niemand@stadt.test"):
            sent = client.post("/passwort/vergessen", data={"email": email, "csrf_token": token})
            assert (
                sent.status_code == 200 and "Wenn es zu dieser Adresse ein Konto gibt" in sent.text
            )
        inbox.wait_for(1)  # sent after the answer
        assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "j@stadt.test"
        link = inbox.link()
        form = client.get(link)
        assert form.status_code == 200 and "j@stadt.test" in form.text
        fields = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        new = {"password": "mein-neues-passwort", "password2": "mein-neues-passwort"}
        done = client.post(
            "/passwort/neu",
            data={**new, "token": fields["token"], "zweck": fields["zweck"],
                  "csrf_token": form_token(client, link)},
        )  # fmt: skip
        assert done.status_code == 303
        assert login(client, "j@stadt.test", "mein-neues-passwort").status_code == 303
        assert client.get(link).status_code == 400  # the link died with the old password


def _forgot(client: httpx.Client, email: str) -> httpx.Response:
    token = form_token(client, "/passwort/vergessen")
    return client.post("/passwort/vergessen", data={"email": email, "csrf_token": token})


def test_a_reset_answers_as_fast_for_a_known_address_as_for_an_unknown_one(
    site: tuple[str, Services], inbox: Inbox
) -> None:
    """The mail goes out after the answer: a slow mail server shows in no answer's time."""
    url, services = site
    inbox.delay = 1.0  # twice the limit below: a busy machine's hiccup is no mail's wait
    known = [f"bekannt{n}@stadt.test" for n in range(3)]
    warm = "aufwaermen@stadt.test"
    for email in (warm, *known):
        Accounts(services.store).add(email, "member", PASSWORD)
    took: dict[bool, list[float]] = {True: [], False: []}
    with httpx.Client(base_url=url) as client:
        # The process's first mail does work of its own once (loading what mails need), beside
        # whatever request runs then: not the mail's wait, which this test is about.
        _forgot(client, warm)
        _forgot(client, "unbekannt@stadt.test")
        inbox.wait_for(1)
        for n, email in enumerate(known):
            for address in (email, f"unbekannt{n}@stadt.test"):
                began = time.perf_counter()
                answer = _forgot(client, address)
                took[address in known].append(time.perf_counter() - began)
                assert answer.status_code == 200
    slowest = max(took[True] + took[False])
    assert slowest < 0.5, took  # the server takes 1 s over each mail
    assert abs(statistics.median(took[True]) - statistics.median(took[False])) < 0.05, took
    inbox.wait_for(4)
    assert inbox.recipients() == sorted([warm, *known])


def test_resets_are_limited_per_address_and_per_client(
    site: tuple[str, Services], inbox: Inbox
) -> None:
    url, services = site
    per_account, per_client = kb_accounts.MAX_RESETS_ACCOUNT, kb_accounts.MAX_RESETS_ADDRESS
    Accounts(services.store).add("k@stadt.test", "member", PASSWORD)
    with httpx.Client(base_url=url) as client:
        for _ in range(per_account):
            assert _forgot(client, "k@stadt.test").status_code == 200
        refused = _forgot(client, "k@stadt.test")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "3600"
        assert "Zu viele Anfragen zum Zurücksetzen" in refused.text
        # Unknown addresses count alike, and so does every request of one client.
        for n in range(per_client - per_account):
            assert _forgot(client, f"fremd{n}@stadt.test").status_code == 200
        assert _forgot(client, "noch-einer@stadt.test").status_code == 429
    inbox.wait_for(per_account)
    time.sleep(0.2)
    assert inbox.recipients() == ["k@stadt.test"] * per_account


def test_an_invitation_by_mail_lets_the_invited_set_a_password(
    site: tuple[str, Services], inbox: Inbox
) -> None:
    url, services = site
    Accounts(services.store).add("admin@defus.test", "admin", PASSWORD)
    with httpx.Client(base_url=url) as admin:
        login(admin, "admin@defus.test")
        invited = admin.post(
            "/staff/konten",
            data={"email": "neu@stadt.test", "role": "member",
                  "csrf_token": form_token(admin, "/staff/konten")},
        )  # fmt: skip
        assert invited.status_code == 303
    assert inbox.messages[-1]["Subject"].startswith("Einladung")
    link = inbox.link()
    with httpx.Client(base_url=url) as newcomer:
        assert login(newcomer, "neu@stadt.test", "irgendein-passwort").status_code == 400
        fields = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        newcomer.post(
            "/passwort/neu",
            data={"password": PASSWORD, "password2": PASSWORD, "token": fields["token"],
                  "zweck": "invite", "csrf_token": form_token(newcomer, link)},
        )  # fmt: skip
        assert login(newcomer, "neu@stadt.test").status_code == 303
