"""Interface texts, German first with English as the switch: one data file per language
(``web/texts/de.toml``, ``en.toml``), read once."""

from __future__ import annotations

import tomllib
from importlib import resources

UI_LANGUAGES = ("de", "en")


def _load(ui: str) -> dict[str, str]:
    raw = resources.files("web").joinpath(f"texts/{ui}.toml").read_text("utf-8")
    return {str(k): str(v) for k, v in tomllib.loads(raw).items()}


TEXTS: dict[str, dict[str, str]] = {ui: _load(ui) for ui in UI_LANGUAGES}


def value_label(facet: str, value: str, ui: str) -> str:
    """How a facet value is shown: kinds, languages and labels by name, the rest as they are."""
    if facet in ("kind", "lang", "topic", "target", "setting", "evidence"):
        return TEXTS[ui].get(f"{facet}.{value}", value)
    return value
