"""The interface texts: one data file per language with the same keys, and every key the
templates name literally is in both."""

from __future__ import annotations

import re
from importlib import resources

from kb.labels import FAMILIES, Vocabulary
from kb.model import KINDS
from web.i18n import TEXTS

# t["key"] and t.key in the templates; keys built from a prefix ("facet." + name) are not
# literal and are left out. t.js is the template of the scripts' strings.
LITERAL = re.compile(r"""\bt\["([^"]+)"\]|\bt\.([a-z_][a-z0-9_]*)\b(?!\s*\()""")


def test_both_languages_have_the_same_keys() -> None:
    assert set(TEXTS["de"]) == set(TEXTS["en"])
    assert all(value.strip() for texts in TEXTS.values() for value in texts.values())


def test_every_key_a_template_names_exists() -> None:
    folder = resources.files("web").joinpath("templates")
    for template in folder.iterdir():
        for match in LITERAL.finditer(template.read_text("utf-8")):
            key = match[1] or match[2]
            assert key in TEXTS["de"], (template.name, key)


def test_every_kind_has_a_name_in_both_languages() -> None:
    for kind in KINDS:
        assert f"kind.{kind}" in TEXTS["de"] and f"kind.{kind}" in TEXTS["en"], kind


def test_every_label_has_a_name_in_both_languages() -> None:
    vocabulary = Vocabulary.load()
    for family in FAMILIES:
        for label in vocabulary.names(family):
            assert f"{family}.{label}" in TEXTS["de"], (family, label)
            assert f"{family}.{label}" in TEXTS["en"], (family, label)
