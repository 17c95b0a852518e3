"""The project polices itself: package boundaries, documented settings, tested commands."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import app
from kb.settings import Settings

ROOT = Path(__file__).parent.parent
# Who may import whom: kb is the core; crawler and index build on it; the operations (ops)
# on those three; the two shells, web and the command line (cli), on the operations and kb's
# model. The command line serves the web app (``kb serve``); nothing imports cli.
ALLOWED = {
    "kb": {"kb"},
    "crawler": {"kb", "crawler"},
    "index": {"kb", "index"},
    "ops": {"kb", "crawler", "index", "ops"},
    "web": {"kb", "ops", "web"},
    "cli": {"kb", "ops", "web", "cli"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_packages_import_only_what_the_architecture_allows() -> None:
    for package, allowed in ALLOWED.items():
        for path in (ROOT / package).rglob("*.py"):
            project = _imports(path) & set(ALLOWED)
            assert project <= allowed, f"{path.relative_to(ROOT)} imports {project - allowed}"


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for name in Settings.model_fields:
        assert f"`KB_{name.upper()}`" in readme, name


def test_every_command_has_a_test() -> None:
    tests = (ROOT / "tests" / "test_cli.py").read_text("utf-8")
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    names += ["source", "entity", "synonym", "user", "token", "newsletter", "subscriber"]
    for name in names:
        assert re.search(rf'"{name}"', tests), name


# Steps run one after another in a fresh interpreter (one, for the suite's time); after each,
# which of the heavy modules it has loaded.
HEAVY = {"spacy", "wordfreq", "apscheduler", "kb.calls", "bs4", "pypdf", "httpx"}
STEPS = {
    "search": "import cli.documents, ops.search",
    "import": "import ops.imports",
    "serve": "import web.app",
    "extractor": "from kb.entities import EntityConfig as C, EntityExtractor as E; E(C())",
    "pipeline": "import kb.entities.pipeline",
}


@pytest.fixture(scope="module")
def loaded() -> dict[str, set[str]]:
    code = ["import sys"]
    for step in STEPS.values():
        code += [step, f"print(sorted({HEAVY!r} & set(sys.modules)))"]
    done = subprocess.run(
        [sys.executable, "-c", "\n".join(code)], capture_output=True, text=True, check=True
    )
    lines = done.stdout.splitlines()
    return {step: set(ast.literal_eval(line)) for step, line in zip(STEPS, lines, strict=True)}


def test_searching_loads_nothing_heavy_it_never_uses(loaded: dict[str, set[str]]) -> None:
    # What `kb search` imports, and nothing heavy it never uses (the entity pipelines, the
    # word list, the scheduler, the call rules' expressions).
    assert loaded["search"] == set()


def test_an_import_loads_nothing_of_crawling(loaded: dict[str, set[str]]) -> None:
    # `kb import` of JSON Lines needs no HTML or PDF parser and no HTTP client: loading them
    # was a fifth of a second, on one core, before the import's worker processes start.
    assert loaded["import"] == set()


def test_a_serving_process_loads_the_entity_pipelines_only_to_crawl(
    loaded: dict[str, set[str]],
) -> None:
    # The workers of `kb serve` without the scheduler never crawl, and the scheduler's process
    # builds its extractor at once but crawls later: neither pays spaCy's import (most of a
    # second and 35 MB each) before it builds a pipeline.
    assert "spacy" not in loaded["serve"] | loaded["extractor"]
    assert "spacy" in loaded["pipeline"]


def test_an_extractor_reads_its_word_lists_as_shipped(loaded: dict[str, set[str]]) -> None:
    # Importing wordfreq and reading its lists took half a second of every extractor's start
    # (each import, each crawl), in the process that reads the lines while nothing else runs.
    assert "wordfreq" not in loaded["extractor"] | loaded["pipeline"]
