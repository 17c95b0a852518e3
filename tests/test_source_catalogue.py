from __future__ import annotations

from pathlib import Path

import pytest

from crawler.catalogue import CatalogueError, cron_problem, default_path, load_catalogue
from kb.model import KINDS

COLLECTIONS = {
    "Beteiligung für Sicherheit und Prävention",
    "Klimawandel und Urbane Sicherheit",
    "Konfliktbearbeitung im öffentlichen Raum",
    "Messergewalt im öffentlichen Raum",
    "Mitarbeitersicherheit",
    "Nächtliches Feiern & Sicherheit in der Nacht",
    "Schutz öffentlicher Räume",
    "Sicherheitsbefragung & Audits",
    "Sicherheit im Bahnhofsviertel",
    "Sichere Städte für Frauen",
    "Städtebauliche Kriminalprävention",
}
CITIES = (
    "Augsburg Düsseldorf Essen Freiburg Gelsenkirchen Gladbeck Göttingen Hannover Heidelberg"
    " Karlsruhe Köln Mannheim München Nürnberg Stuttgart Berlin"
).split()

GOOD = """
[[source]]
name = "pufii-news"
url = "https://pufii.test/"
kind = "news"
note = "ok"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, "utf-8")
    return path


def test_the_shipped_catalogue_loads_with_unique_names() -> None:
    catalogue = load_catalogue()
    names = [entry.name for entry in catalogue]
    assert len(names) == len(set(names)) >= 30
    assert all(entry.kind in KINDS and entry.note for entry in catalogue)
    enabled = {entry.name for entry in catalogue if entry.enabled}
    assert {"pufii-portal", "defus-aktuelles", "efus-news", "dpt-news"} <= enabled
    efus = next(e for e in catalogue if e.name == "efus-news")
    assert efus.lang == "en"


def test_all_eleven_collections_are_members_only_and_disabled() -> None:
    collections = [entry for entry in load_catalogue() if entry.collection]
    assert {source.collection for source in collections} == COLLECTIONS
    for source in collections:
        assert source.members_only and not source.enabled, source.name
        assert source.login_url and source.kind == "post", source.name


def test_every_member_city_has_a_source_or_a_comment() -> None:
    cities = {entry.city for entry in load_catalogue()}
    comments = "\n".join(
        line for line in default_path().read_text("utf-8").splitlines() if line.startswith("#")
    )
    missing = [city for city in CITIES if city not in cities and city not in comments]
    assert not missing


def test_a_minimal_entry_gets_the_defaults(tmp_path: Path) -> None:
    (entry,) = load_catalogue(_write(tmp_path, GOOD))
    assert entry.schedule == "0 5 * * *" and entry.note == "ok"
    assert entry.enabled and not entry.members_only and entry.lang is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('url = "pufii.test/news"', "not an absolute http(s) URL"),
        ('kind = "blog"', "'blog' is not one of publication"),
        ('schedule = "0 5 * *"', "5 fields"),
        ('schedule = "0 25 * * *"', "outside 0-23"),
        ('schedule = "0 5 * * L"', "unknown value 'l'"),
        ('name = "Pufii News"', "kebab-case"),
        ('lang = "fr"', "lang"),
        ("mebers_only = true", "mebers_only"),
    ],
)
def test_a_bad_entry_is_refused_with_its_position_and_reason(
    tmp_path: Path, change: str, message: str
) -> None:
    key = change.split(" = ")[0]
    lines = [line for line in GOOD.splitlines() if not line.startswith(f"{key} =")]
    bad = "\n".join([*lines, change])
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(_write(tmp_path, GOOD + bad))
    assert caught.value.index == 2
    assert message in str(caught.value) and str(caught.value).startswith("source #2")


def test_a_collection_is_members_only_without_saying_so(tmp_path: Path) -> None:
    (entry,) = load_catalogue(_write(tmp_path, GOOD + 'collection = "Mitarbeitersicherheit"\n'))
    assert entry.members_only


def test_a_duplicate_name_is_refused(tmp_path: Path) -> None:
    other = GOOD.replace("https://pufii.test/", "https://pufii.test/other/")
    with pytest.raises(CatalogueError, match=r"source #2 \(pufii-news\): duplicate name"):
        load_catalogue(_write(tmp_path, GOOD + other))


def test_two_enabled_sources_may_not_share_a_url(tmp_path: Path) -> None:
    other = GOOD.replace("pufii-news", "pufii-seiten")
    with pytest.raises(CatalogueError, match="already crawled by pufii-news"):
        load_catalogue(_write(tmp_path, GOOD + other))
    assert len(load_catalogue(_write(tmp_path, GOOD + other + "enabled = false\n"))) == 2


def test_broken_toml_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="not valid TOML"):
        load_catalogue(_write(tmp_path, "[[source]\nname ="))


@pytest.mark.parametrize("expression", ["0 5 * * *", "*/15 6-22 * * mon-fri", "0 4 1,15 jan *"])
def test_valid_cron_expressions(expression: str) -> None:
    assert cron_problem(expression) is None


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("0 5 * *", "5 fields"),
        ("0 25 * * *", "outside 0-23"),
        ("0 5 * * fri-mon", "runs backwards"),
        ("0 5 * * */0", "a step of 0"),
        ("0 5 * * feiertag", "unknown value"),
    ],
)
def test_invalid_cron_expressions_say_why(expression: str, problem: str) -> None:
    assert problem in (cron_problem(expression) or "")


def test_the_header_documents_the_credential_variables() -> None:
    header = default_path().read_text("utf-8").split("\n[[source]]", 1)[0]
    assert "KB_SOURCE_<NAME>_USERNAME" in header and "KB_SOURCE_<NAME>_PASSWORD" in header
