"""Make the data directory of this release, for the upgrade test (`tests/test_upgrade.py`).

Run it with a release's code, before the next release changes the store:

    .venv/bin/python scripts/make_release_fixture.py

Through the ``kb`` commands of the release, it crawls the bundled demo site, imports documents,
curates entities and synonyms, and adds accounts, a token and subscribers; then it writes
``tests/data/releases/<version>.tar.gz``: the store, the index and the secret key, with
``expected.json``, what an upgrade must keep. Every later release's upgrade test opens it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cli.main import app  # noqa: E402  (after the path: run as a script)
from ops.demo import CREDENTIALS, SOURCE_COLLECTION, demo_sources  # noqa: E402
from ops.demo.server import DemoSite  # noqa: E402

PASSWORD = "release-fixture-password"  # of the fixture's accounts only
ACCOUNTS = [("mitglied@release.test", "member"), ("redaktion@release.test", "editor")]
SUBSCRIBERS = [
    ("leser@release.test", ["--confirmed", "--city", "Essen"]),
    ("neu@release.test", []),  # waits for its confirmation
]
RECORDS = [
    {
        "url": "https://release.test/import/nachtleben",
        "title": "Nachtleben und Sicherheit in Köln",
        "text": "Die Stadt Köln stärkt mit dem Kommunalen Präventionsrat die Sicherheit im "
        "Nachtleben.",
        "date": "2024-05",
        "kind": "news",
        "city": "Köln",
    },
    {
        "url": "https://release.test/import/intern",
        "title": "Protokoll der Arbeitsgruppe",
        "text": "Internes Protokoll der Arbeitsgruppe Bahnhofsviertel.",
        "collection": "Sicherheit im Bahnhofsviertel",
        "members_only": True,
    },
]


def _kb(data: Path, *args: str) -> str:
    env = {"KB_DATA_DIR": str(data), "KB_CRAWL_DELAY": "0", "KB_SMTP_HOST": ""}
    done = CliRunner().invoke(app, list(args), env=env)
    if done.exit_code != 0:
        raise SystemExit(f"kb {' '.join(args)} failed:\n{done.output}{done.exception or ''}")
    return done.output


def _expected(data: Path) -> dict[str, object]:
    db = sqlite3.connect(data / "kb.sqlite3")
    try:
        documents = db.execute(
            "SELECT url, title, content_hash, members_only FROM documents ORDER BY url"
        ).fetchall()
        entities = db.execute(
            "SELECT e.name, e.label, group_concat(a.alias, '|') FROM entities e"
            " JOIN entity_aliases a ON a.entity_id = e.id WHERE e.origin = 'staff'"
            " GROUP BY e.id ORDER BY e.name"
        ).fetchall()
        return {
            "schema": db.execute("PRAGMA user_version").fetchone()[0],
            "documents": [
                {"url": u, "title": t, "content_hash": h, "members_only": bool(m)}
                for u, t, h, m in documents
            ],
            "accounts": [{"email": e, "role": r, "password": PASSWORD} for e, r in ACCOUNTS],
            "subscribers": [
                {"email": e, "status": s}
                for e, s in db.execute("SELECT email, status FROM subscribers ORDER BY email")
            ],
            "entities": [
                {"name": n, "label": label, "aliases": sorted(a.split("|"))}
                for n, label, a in entities
            ],
            "crawl_runs": db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0],
            "search": {"Nachtleben": "https://release.test/import/nachtleben"},
        }
    finally:
        db.close()


def main() -> None:
    release = version("defus-kb")
    target = ROOT / "tests" / "data" / "releases" / f"{release}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp, DemoSite() as site:
        data = Path(tmp) / "data"
        for source in demo_sources(site.base_url):
            options = ["--kind", source.kind, *(["--city", source.city] if source.city else [])]
            if source.members_only:
                assert source.collection and source.login_url
                options += ["--collection", source.collection, "--members-only"]
                options += ["--login-url", source.login_url]
            _kb(data, "source", "add", source.name, source.url, *options)
        prefix = f"KB_SOURCE_{SOURCE_COLLECTION.upper()}"
        os.environ[f"{prefix}_USERNAME"] = CREDENTIALS.username
        os.environ[f"{prefix}_PASSWORD"] = CREDENTIALS.password
        _kb(data, "crawl")
        records = Path(tmp) / "records.jsonl"
        records.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS))
        _kb(data, "import", str(records))
        _kb(data, "entity", "add", "Kommunaler Präventionsrat Köln", "--label", "ORG",
            "--alias", "KPR Köln", "--kind", "body", "--city", "Köln")  # fmt: skip
        _kb(data, "synonym", "add", "Nachtleben", "Nachtökonomie")
        for email, role in ACCOUNTS:
            _kb(data, "user", "add", email, "--role", role, "--password", PASSWORD)
        _kb(data, "token", "create", ACCOUNTS[1][0], "--name", "fixture")
        for email, options in SUBSCRIBERS:
            _kb(data, "subscriber", "add", email, *options)
        expected = _expected(data)
        db = sqlite3.connect(data / "kb.sqlite3")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA journal_mode=DELETE")  # one file: the fixture holds no WAL
        db.execute("VACUUM")
        db.close()
        (data / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1))
        target.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(target, "w:gz") as tar:
            for path in sorted(data.rglob("*")):
                if path.is_file() and not path.name.endswith(
                    ("WRITELOCK", ".lock", "-wal", "-shm")
                ):
                    tar.add(path, arcname=str(path.relative_to(data)))
    size = target.stat().st_size
    print(f"{target.relative_to(ROOT)}: {size / 1000:.0f} kB, schema {expected['schema']}")


if __name__ == "__main__":
    main()
