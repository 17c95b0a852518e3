"""What the views of funding calls, events, projects and peer practices share."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request

from web.pages import ui_language


def switch_link(request: Request) -> str:
    """The same page in the other interface language, its filters kept."""
    other = "en" if ui_language(request) == "de" else "de"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "ui"]
    return "?" + urlencode([*kept, ("ui", other)])
