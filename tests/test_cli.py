"""The ``kb`` command line, the scripted contract of the service: run in-process, and once as
a real process (the demo)."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from cli.main import app
from kb.audit import AuditLog
from kb.store import Store
from ops.demo.server import DemoSite
from tests.appserver import KB, AppServer, free_port


def kb(data: Path, *args: str, stdin: str | None = None, check: bool = True) -> str:
    """Run ``kb ARGS`` in this process with ``KB_DATA_DIR=data``; its output and errors."""
    env = {"KB_DATA_DIR": str(data), "KB_CRAWL_DELAY": "0"}
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:  # a command configures the process's log: as a process of its own would
        done = CliRunner().invoke(app, list(args), input=stdin, env=env)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        raise done.exception
    if check:
        assert done.exit_code == 0, done.output
    return done.output


def _jsonl(path: Path, *records: dict[str, object]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    return path


def test_source_add_and_list(tmp_path: Path) -> None:
    kb(tmp_path, "source", "add", "essen", "https://essen.test/feed.xml", "--kind", "news",
       "--city", "Essen", "--lang", "de")  # fmt: skip
    kb(tmp_path, "source", "add", "pool", "https://pufii.test/intern/", "--kind", "post",
       "--collection", "Mitarbeitersicherheit", "--members-only")  # fmt: skip
    listing = kb(tmp_path, "source", "list")
    assert "essen\tnews\thttps://essen.test/feed.xml\tcity=Essen" in listing
    assert "collection=Mitarbeitersicherheit members-only" in listing
    refused = kb(tmp_path, "source", "add", "x", "https://x.test/", "--kind", "blog", check=False)
    assert "kind: 'blog' is not one of publication" in refused


def test_sources_are_validated_as_on_the_staff_pages(tmp_path: Path) -> None:
    """The command line and the staff pages share one validation (`ops.sources`)."""
    refused = kb(tmp_path, "source", "add", "Essen News", "https://essen.test/", "--kind", "news",
                 check=False)  # fmt: skip
    assert "name: must be kebab-case" in refused
    refused = kb(tmp_path, "source", "add", "essen", "essen.test/feed", "--kind", "news",
                 check=False)  # fmt: skip
    assert "url: 'essen.test/feed' is not an absolute http(s) URL" in refused
    assert "source essen" not in kb(tmp_path, "source", "list")
    kb(tmp_path, "source", "add", "pool", "https://pufii.test/intern/", "--kind", "post",
       "--collection", "Mitarbeitersicherheit")  # fmt: skip
    assert "collection=Mitarbeitersicherheit members-only" in kb(tmp_path, "source", "list")


def test_import_search_and_reindex(tmp_path: Path) -> None:
    file = _jsonl(
        tmp_path / "docs.jsonl",
        {"url": "https://a.test/1", "title": "Nachtleben in Köln", "text": "Die Stadt Köln "
         "stärkt die Sicherheit im Nachtleben.", "date": "2024-05-02", "kind": "news",
         "city": "Köln"},
        {"url": "https://a.test/2", "title": "Night-time safety", "text": "The city of Essen "
         "improves nightlife safety.", "kind": "publication", "city": "Essen"},
        {"url": "https://a.test/3", "title": "Intern", "text": "Internes Nachtleben-Protokoll.",
         "collection": "Nächtliches Feiern & Sicherheit in der Nacht", "members_only": True},
        {"title": "ohne url"},
    )  # fmt: skip
    out = kb(tmp_path, "import", str(file), check=False)  # exit status 3: a line failed
    assert "new: 3" in out and "line 4" in out and "indexed: 3" in out
    answer = json.loads(kb(tmp_path, "search", "Nachtleben", "--json"))
    # The German page first; the English one through the synonym "nightlife".
    assert [h["city"] for h in answer["hits"]] == ["Köln", "Essen"]
    assert answer["hits"][0]["date"] == "2024-05-02" and answer["hits"][0]["lang"] == "de"
    assert answer["facets"]["org"] == {"Stadt Köln": 1}
    either = json.loads(kb(tmp_path, "search", "", "--city", "Köln", "--city", "Essen", "--json"))
    assert either["total"] == 2
    english = json.loads(kb(tmp_path, "search", "", "--lang", "en", "--json"))
    assert [h["url"] for h in english["hits"]] == ["https://a.test/2"]
    member = json.loads(kb(tmp_path, "search", "Protokoll", "--role", "member", "--json"))
    assert (
        member["total"] == 1
        and json.loads(kb(tmp_path, "search", "Protokoll", "--json"))["total"] == 0
    )
    assert "indexed: 3" in kb(tmp_path, "reindex")
    assert json.loads(kb(tmp_path, "search", "Nachtleben", "--json"))["total"] == 2
    paged = json.loads(kb(tmp_path, "search", "", "--per-page", "1", "--page", "2", "--json"))
    assert (paged["page"], paged["per_page"], len(paged["hits"])) == (2, 1, 1)


def test_synonym_commands_change_what_queries_find(tmp_path: Path) -> None:
    record = {
        "url": "https://a.test/w",
        "text": "Ein Waffenverbot gilt am Bahnhof.",
        "date": "2024-02-03",
    }
    kb(tmp_path, "import", str(_jsonl(tmp_path / "w.jsonl", record)))
    assert json.loads(kb(tmp_path, "search", "weapons ban", "--json"))["total"] == 0
    assert kb(tmp_path, "synonym", "add", "Waffenverbot", "weapons ban").strip() == (
        "Waffenverbot = weapons ban"
    )
    assert json.loads(kb(tmp_path, "search", "weapons ban", "--json"))["total"] == 1
    assert "DPT = Deutscher Präventionstag" in kb(tmp_path, "synonym", "list")  # the seed
    kb(tmp_path, "synonym", "remove", "weapons ban")
    assert json.loads(kb(tmp_path, "search", "weapons ban", "--json"))["total"] == 0
    assert "in no synonym group" in kb(tmp_path, "synonym", "remove", "nix", check=False)
    ranged = ["search", "", "--from", "2024-01-01", "--to", "2024-12-31", "--json"]
    assert json.loads(kb(tmp_path, *ranged))["total"] == 1
    assert json.loads(kb(tmp_path, "search", "", "--from", "2025-01-01", "--json"))["total"] == 0


def test_entities_json_from_stdin_with_offsets(tmp_path: Path) -> None:
    text = "Oberbürgermeister Frank Mentrup besucht das Polizeipräsidium Düsseldorf in Düsseldorf."
    found = json.loads(kb(tmp_path, "entities", "--json", stdin=text))
    assert {(e["text"], e["label"]) for e in found} == {
        ("Frank Mentrup", "PER"),
        ("Polizeipräsidium Düsseldorf", "ORG"),
        ("Düsseldorf", "LOC"),
    }
    assert all(text[e["start"] : e["end"]] == e["text"] for e in found)
    assert set(found[0]) == {"text", "label", "start", "end"}


def test_entity_curation_commands_reapply_to_stored_documents(tmp_path: Path) -> None:
    text = "Die Fachstelle Nachtökonomie arbeitet mit dem Präventionstag. Kontakt: Büro Quandt."
    kb(
        tmp_path,
        "import",
        str(_jsonl(tmp_path / "d.jsonl", {"url": "https://a.test/n", "text": text})),
    )

    def orgs() -> dict[str, int]:
        facets: dict[str, int] = json.loads(kb(tmp_path, "search", "", "--json"))["facets"]["org"]
        return facets

    assert "Büro Quandt" in orgs() and "Deutscher Präventionstag" not in orgs()
    out = kb(tmp_path, "entity", "alias", "Deutscher Präventionstag", "Präventionstag")
    assert "re-applied to 1 documents" in out
    assert "Deutscher Präventionstag" in orgs()
    out = kb(tmp_path, "entity", "add", "Nachtbüro", "--label", "ORG", "--kind", "agency")
    assert out.startswith("ORG Nachtbüro")
    kb(tmp_path, "entity", "merge", "Fachstelle Nachtökonomie", "Nachtbüro", "--label", "ORG")
    kb(tmp_path, "entity", "block", "Büro Quandt", "--label", "ORG")
    assert set(orgs()) == {"Deutscher Präventionstag", "Nachtbüro"}
    refused = kb(tmp_path, "entity", "alias", "Gibtsnicht", "x", check=False)
    assert "no entity named" in refused
    store = Store.open(tmp_path / "kb.sqlite3")
    try:
        audited = [(e.action, e.target) for e in AuditLog(store).entries()]
        actors = {e.actor for e in AuditLog(store).entries()}
    finally:
        store.close()
    # Curation from the command line is audited like the staff's, naming the local user.
    assert audited[:4] == [
        ("entity.block", "ORG Büro Quandt"),
        ("entity.merge", "ORG Nachtbüro"),
        ("entity.add", "ORG Nachtbüro"),
        ("entity.alias", "ORG Deutscher Präventionstag"),
    ]
    assert len(actors) == 1 and actors.pop().endswith("(kb)")


def test_crawl_prints_the_report(tmp_path: Path, demo_site: DemoSite) -> None:
    url = f"{demo_site.base_url}/staedte/heidelberg/feed.xml"
    kb(tmp_path, "source", "add", "heidelberg", url, "--kind", "news", "--city", "Heidelberg")
    out = kb(tmp_path, "crawl", "--source", "heidelberg")
    assert "fetched:" in out and "new: " in out and "failed: 0" in out
    assert "unchanged: 0" in out
    again = kb(tmp_path, "crawl")
    assert "new: 0" in again and "changed: 0" in again
    header, *runs = kb(tmp_path, "crawl-runs").splitlines()
    assert header == "ID\tSTARTED\tSTATE\tFINISHED\tCOUNTS"
    assert len(runs) == 2 and "new=0" in runs[0] and "failed=0" in runs[0]
    assert runs[0].split("\t")[2] == "finished"
    latest = json.loads(kb(tmp_path, "crawl-runs", "--json", "--limit", "1"))
    assert latest[0]["report"]["unchanged"] >= 4 and latest[0]["finished_at"]
    assert "no enabled source" in kb(tmp_path, "crawl", "--source", "nix", check=False)


def _wait_for(
    url: str, process: subprocess.Popen[str], seconds: float = 90
) -> httpx.Response | None:
    """The first answer from ``url``; None when the server ended because its port was in use
    (the caller starts it again)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            if "in use" in output.lower():
                return None
            pytest.fail(f"the server exited: {output}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer")


def _start(data: Path, *args: str) -> subprocess.Popen[str]:
    # The demo site on any free port it binds itself: no port to lose to another test.
    env = {**os.environ, "KB_DATA_DIR": str(data), "KB_DEMO_SITE_PORT": "0"}
    return subprocess.Popen(
        [KB, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_search_prints_page_information_and_snippets(tmp_path: Path) -> None:
    records = [
        {"url": f"https://a.test/{n}", "title": f"Nachtleben {n}",
         "text": f"Der Bericht {n} beschreibt das Nachtleben der Stadt."}
        for n in range(3)
    ]  # fmt: skip
    kb(tmp_path, "import", str(_jsonl(tmp_path / "n.jsonl", *records)))
    out = kb(tmp_path, "search", "Nachtleben", "--per-page", "2", "--page", "2")
    assert out.splitlines()[0] == "3 results · page 2 of 2"
    assert "   Der Bericht" in out and "<mark>" not in out
    described = kb(tmp_path, "search", "--help")
    assert "<list[str]>" not in described and "publication, news, funding" in described


def test_demo_checks_its_ports_before_it_crawls(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = kb(tmp_path, "demo", "--port", str(port), check=False)
    assert f"port {port} is in use" in out
    assert "Crawling" not in out and "password" not in out


def test_serve_runs_the_app_with_its_scheduler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **options: served.update(app=app, **options))
    out = kb(tmp_path, "serve", "--port", "8123")
    assert "Web UI: http://127.0.0.1:8123/" in out and served["port"] == 8123
    with AppServer(served["app"]) as server:  # runs the lifespan: the scheduler starts
        assert httpx.get(server.url + "/healthz").json() == {"status": "ok", "scheduler": True}
        assert served["app"].state.services.scheduler is not None


def test_backup_and_restore(tmp_path: Path) -> None:
    """`tests/test_backup.py` backs up under load and restores older releases' backups."""
    file = _jsonl(tmp_path / "docs.jsonl", {"url": "https://a.test/1", "title": "Nachtleben",
                  "text": "Sicherheit im Nachtleben der Stadt Köln."})  # fmt: skip
    kb(tmp_path / "data", "import", str(file))
    out = kb(tmp_path / "data", "backup", str(tmp_path / "copy"))
    assert out.startswith(f"backup {tmp_path / 'copy'}: schema ") and "1 documents" in out
    assert "1 documents, indexed 1" in kb(tmp_path / "new", "restore", str(tmp_path / "copy"))
    assert "1 results" in kb(tmp_path / "new", "search", "Nachtleben")
    refused = kb(tmp_path / "new", "restore", str(tmp_path / "copy"), check=False)
    assert "error: " in refused and "is not empty" in refused


def test_demo_crawls_and_a_second_run_reuses_what_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("uvicorn.run", lambda app, **options: None)  # serving: the next test
    monkeypatch.setenv("KB_DEMO_SITE_PORT", str(free_port()))  # kept, as the default is
    first = kb(tmp_path, "demo", "--port", str(free_port()))
    assert "new: 0" not in first and "Web UI: http://127.0.0.1:" in first
    assert "log in as mitglied@demo.invalid with password " in first
    second = kb(tmp_path, "demo", "--port", str(free_port()))
    assert "new: 0" in second and "changed: 0" in second


def test_the_kb_command_serves_the_demo(tmp_path: Path) -> None:
    """The one run of ``kb`` as a real process: the installed command, crawl and server."""
    for attempt in range(3):
        # The UI's port, found free here, may be taken before the demo serves on it (by any
        # connection, the crawl's too): then again, on another.
        port = free_port()
        process = _start(tmp_path / str(attempt), "demo", "--port", str(port))
        try:
            page = _wait_for(f"http://127.0.0.1:{port}/?q=Sicherheit", process)
        finally:
            process.terminate()
            process.communicate(timeout=10)
        if page is not None:
            break
    assert page is not None and page.status_code == 200 and "Treffer" in page.text


def test_source_catalogue_edit_disable_enable_remove(tmp_path: Path) -> None:
    assert "enabled)" in kb(tmp_path, "source", "import")
    listing = kb(tmp_path, "source", "list")
    assert "efus-news" in listing and "disabled" in listing
    kb(tmp_path, "source", "edit", "efus-news", "--schedule", "0 6 * * 1", "--city", "Lyon")
    assert "city=Lyon" in kb(tmp_path, "source", "list")
    assert "schedule" in kb(tmp_path, "source", "edit", "efus-news", "--schedule", "x", check=False)
    kb(tmp_path, "source", "disable", "efus-news")
    assert "efus-news\tnews\thttps://efus.eu/\tcity=Lyon disabled" in kb(tmp_path, "source", "list")
    kb(tmp_path, "source", "enable", "efus-news")
    kb(tmp_path, "source", "remove", "efus-news")
    assert "efus-news" not in kb(tmp_path, "source", "list")
    assert "no source 'efus-news'" in kb(tmp_path, "source", "remove", "efus-news", check=False)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[source]]\nname = "x"\nurl = "ftp://x"\nkind = "news"\n')
    assert "source #1 (x)" in kb(tmp_path, "source", "import", str(bad), check=False)


def test_import_board_stores_members_only_posts(tmp_path: Path) -> None:
    export = tmp_path / "board.json"
    export.write_text(
        json.dumps(
            [
                {"title": "Lichtkonzept Vorplatz", "text": "Wir testen neue Leuchten.",
                 "author": "Stadt Essen", "date": "2024-03-01"},
                {"title": "", "text": "", "date": "gestern"},
            ]
        )
    )  # fmt: skip
    out = kb(tmp_path, "import-board", str(export), "--collection", "Schutz öffentlicher Räume")
    assert "new: 1" in out and "post 2" in out
    member = json.loads(kb(tmp_path, "search", "Lichtkonzept", "--role", "member", "--json"))
    assert member["hits"][0]["collection"] == "Schutz öffentlicher Räume"
    assert json.loads(kb(tmp_path, "search", "Lichtkonzept", "--json"))["total"] == 0


def test_user_and_token_commands(tmp_path: Path) -> None:
    out = kb(tmp_path, "user", "add", "Redaktion@Defus.test", "--role", "editor")
    assert "account redaktion@defus.test (editor) added" in out
    password = out.split("password: ")[1].strip()  # no terminal: generated and shown once
    assert len(password) >= 12
    kb(tmp_path, "user", "add", "m@stadt.test", "--role", "member", "--password", "lang-genug-1")
    assert "exists already" in kb(tmp_path, "user", "add", "m@stadt.test", "--role", "member",
                                   check=False)  # fmt: skip
    assert "chef" in kb(tmp_path, "user", "add", "x@y.test", "--role", "chef", check=False)
    listing = kb(tmp_path, "user", "list")
    assert "m@stadt.test\tmember\t" in listing and "redaktion@defus.test\teditor\t" in listing
    created = kb(tmp_path, "token", "create", "m@stadt.test", "--name", "Auswertung")
    token_id, token = created.split()[1], created.split(": ")[1].strip()
    assert token.startswith("kb_") and token not in kb(tmp_path, "token", "list")
    assert f"{token_id}\tm@stadt.test\tAuswertung" in kb(tmp_path, "token", "list")
    kb(tmp_path, "token", "revoke", token_id)
    assert kb(tmp_path, "token", "list").rstrip().endswith("revoked")
    assert "no active token" in kb(tmp_path, "token", "revoke", token_id, check=False)
    kb(tmp_path, "user", "disable", "m@stadt.test")
    assert "m@stadt.test\tmember" in kb(tmp_path, "user", "list")
    assert kb(tmp_path, "user", "list").count("disabled") == 1
    assert "no account" in kb(tmp_path, "user", "disable", "nix@stadt.test", check=False)


def test_newsletter_subscribers_preview_and_dry_run(tmp_path: Path) -> None:
    file = _jsonl(
        tmp_path / "docs.jsonl",
        {"url": "https://a.test/p", "title": "Leitfaden Sicherheitsaudit", "kind": "publication",
         "text": "Ein Leitfaden für kommunale Sicherheitsaudits."},
        {"url": "https://a.test/e", "title": "Night-time safety", "kind": "news", "lang": "en",
         "city": "Essen", "text": "The city of Essen improves nightlife safety."},
    )  # fmt: skip
    kb(tmp_path, "import", str(file))
    out = kb(tmp_path, "subscriber", "add", "Leserin@Stadt.test", "--confirmed",
             "--city", "Essen", "--query", "Nachtleben")  # fmt: skip
    assert "subscriber leserin@stadt.test (confirmed)" in out
    assert "(pending)" in kb(tmp_path, "subscriber", "add", "offen@stadt.test")
    listing = kb(tmp_path, "subscriber", "list")
    assert (
        "leserin@stadt.test\tconfirmed\t" in listing and "cities=Essen query=Nachtleben" in listing
    )
    kb(tmp_path, "subscriber", "add", "schule@stadt.test", "--setting", "schule", "--evaluated")
    assert "settings=schule evidence=evaluiert" in kb(tmp_path, "subscriber", "list")
    assert "not an e-mail" in kb(tmp_path, "subscriber", "add", "keine", check=False)
    preview = kb(tmp_path, "newsletter", "preview", "--since", "2020-01-01")
    assert "2 items" in preview and "PUBLIKATIONEN" in preview
    assert "* Night-time safety [EN]" in preview
    dry = kb(tmp_path, "newsletter", "send", "--dry-run")
    assert "issue 1: would send 1, empty 0" in dry
    refused = kb(tmp_path, "newsletter", "send", check=False)
    assert "KB_SMTP_HOST is empty" in refused
