"""The service's log: one line per event with time, level, logger, message and fields, as text
or JSON; no credential or password ever appears in it."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import httpx
import pytest

from kb import logs
from kb.settings import Settings
from kb.store import Source
from kb.viewer import Viewer
from ops import accounts, pipeline
from ops.services import Services
from tests.appserver import AppServer
from tests.factories import make_settings
from tests.servers import Reply, RouteServer, html
from tests.sessions import ensure_user, form_token, logged_in, login
from tests.smtp import Inbox
from web.app import create_app

SECRETS = {
    "smtp": "smtp-geheimnis-7731",
    "key": "schluessel-geheimnis-5519",
    "metrics": "metrik-geheimnis-2284",
    "source": "quelle-geheimnis-9046",
    "password": "nutzer-passwort-3317",  # typed at the login form
    "wrong": "falsches-passwort-8820",
    "new": "neues-passwort-4471",  # set through a reset link
}
EDITOR = "redaktion@logs.test"


@pytest.fixture
def logged() -> io.StringIO:
    """What the service's log receives (the root logger is put back by `conftest`)."""
    return io.StringIO()


def test_a_line_per_event_as_text_or_json(tmp_path: Path, logged: io.StringIO) -> None:
    log = logging.getLogger("ops.test")
    logs.configure(make_settings(tmp_path), stream=logged)
    log.info("backup of %d documents", 3, extra={"path": "/srv/a b", "pages": {"new": 2}})
    try:
        raise ValueError("kaputt")
    except ValueError:
        log.exception("crawl of %s broke off", "essen")
    log.debug("not at info")
    text = logged.getvalue().splitlines()
    assert len(text) == 2
    assert text[0].endswith(' INFO ops.test: backup of 3 documents path="/srv/a b" pages={"new":2}')
    assert " ERROR ops.test: crawl of essen broke off exc=" in text[1]
    assert "Traceback" in text[1] and "ValueError: kaputt" in text[1]

    as_json = io.StringIO()
    logs.configure(make_settings(tmp_path, log_format="JSON", log_level="debug"), stream=as_json)
    log.warning("source %s: no successful crawl", "essen", extra={"source": "essen", "runs": 3})
    log.debug("at debug")
    lines = [json.loads(line) for line in as_json.getvalue().splitlines()]
    assert lines[0] | {"time": ""} == {
        "time": "",
        "level": "WARNING",
        "logger": "ops.test",
        "message": "source essen: no successful crawl",
        "source": "essen",
        "runs": 3,
    }
    assert lines[1]["level"] == "DEBUG"


def test_no_credential_or_password_is_ever_logged(
    tmp_path: Path, inbox: Inbox, logged: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KB_SOURCE_POOL_USERNAME", "crawler")
    monkeypatch.setenv("KB_SOURCE_POOL_PASSWORD", SECRETS["source"])
    settings = make_settings(
        tmp_path,
        cookie_secure=False,
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_tls=False,
        smtp_user="kb",
        smtp_password=SECRETS["smtp"],
        secret_key=SECRETS["key"],
        metrics_token=SECRETS["metrics"],
        log_format="json",
        log_level="debug",
    )
    logs.configure(settings, stream=logged)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # the test's mail server's own
    services = Services.open(settings)
    user = ensure_user(services.store, EDITOR, "editor", SECRETS["password"])
    _, token = accounts.create_token(services, Viewer("admin", "test"), EDITOR, "logs")
    reset_link = accounts.mail_link(services, user, "reset")
    reset_token = reset_link.split("token=")[1].split("&")[0]
    with AppServer(create_app(services)) as server:
        with httpx.Client(base_url=server.url) as client:
            assert login(client, EDITOR, SECRETS["wrong"]).status_code == 400
        with logged_in(server.url, EDITOR, SECRETS["password"]):
            pass
        bearer = {"Authorization": f"Bearer {token}"}
        assert httpx.get(server.url + "/api/search?q=x", headers=bearer).status_code == 200
        bad = {"Authorization": f"Bearer {token[:-4]}zzzz"}
        assert httpx.get(server.url + "/api/search?q=x", headers=bad).status_code == 401
        metrics = {"Authorization": f"Bearer {SECRETS['metrics']}"}
        assert httpx.get(server.url + "/metrics", headers=metrics).status_code == 200
        # A reset: its mail fails (the mail server refuses the login), the link is used.
        with httpx.Client(base_url=server.url) as client:
            csrf = form_token(client, "/passwort/vergessen")
            client.post("/passwort/vergessen", data={"email": EDITOR, "csrf_token": csrf})
            path = reset_link.removeprefix(settings.base_url.rstrip("/"))
            csrf = form_token(client, path)
            done = client.post(
                "/passwort/neu",
                data={
                    "password": SECRETS["new"],
                    "password2": SECRETS["new"],
                    "token": reset_token,
                    "zweck": "reset",
                    "csrf_token": csrf,
                },
            )
            assert done.status_code == 303
    _crawl_with_a_login(services)
    # Code that slips: a secret in a message, a URL, a field.
    log = logging.getLogger("ops.careless")
    log.info("mail server %s:%s", settings.smtp_user, settings.smtp_password)
    log.info("GET https://crawler:pw-geheim-1234@intern.test/?token=abc-geheim-77&seite=2")
    log.warning("refused", extra={"password": "feld-geheim-55", "header": f"Bearer {token}"})
    services.close()

    lines = [json.loads(line) for line in logged.getvalue().splitlines()]
    text = logged.getvalue()
    for secret in [*SECRETS.values(), token, reset_token, "pw-geheim-1234", "abc-geheim-77"]:
        assert secret not in text, secret
    assert "feld-geheim-55" not in text
    # The flows were logged: requests by route, the failed reset mail with its traceback.
    routes = {line["message"] for line in lines if line["logger"] == "web.requests"}
    assert {"POST /anmelden 400", "POST /anmelden 303", "GET /api/search 401"} <= routes
    assert "POST /passwort/neu 303" in routes and "GET /metrics 200" in routes
    failed = [line for line in lines if line["message"] == "password reset mail failed"]
    assert failed and "Traceback" in failed[0]["exc"]
    assert "seite=2" in text and "[redacted]" in text


def _crawl_with_a_login(services: Services) -> None:
    """A members-only source whose login (with the password of the environment) fails."""
    form = "<form method='post' action='/login'><input name='u'><input type='password' name='p'>"
    routes = {
        "/robots.txt": Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}),
        "/login.html": Reply(200, html("Anmeldung", form + "</form>")),
    }
    with RouteServer(routes) as site:
        source = Source(
            "pool",
            f"{site.url}/intern/",
            "post",
            collection="Pool",
            members_only=True,
            login_url=f"{site.url}/login.html",
        )
        services.store.add_source(source)
        report = pipeline.crawl(services, [source])
    assert report.failed and report.failed[0].source == "pool"


def test_configured_secrets_are_the_services_and_the_sources_passwords() -> None:
    settings = Settings(smtp_password="a-long-one", secret_key="xy", metrics_token="")
    found = logs.configured_secrets(settings, {"KB_SOURCE_X_PASSWORD": "pool-pw", "OTHER": "z"})
    assert found == {"a-long-one", "pool-pw"}  # "xy" is too short to scrub safely
