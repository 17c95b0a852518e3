"""Charts drawn on the server as inline SVG: no script, no library, no CDN, works offline.

Pure functions from counts to markup; every mark is a link, so a chart is also a filter.

    >>> year_chart({"2023": 4, "2024": 2}, lambda year: f"/?year={year}", "de")
    '<svg class="chart year-chart" role="group" …'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

BAR_WIDTH = 34
BAR_GAP = 8
BAR_AREA = 110  # height of the tallest bar
CELL = 30
CHAR_WIDTH = 6.6  # average width of a 12px sans-serif character, for laying out labels

_TEXTS = {
    "de": {
        "years": "Treffer pro Jahr",
        "year_title": "{year}: {count} Treffer – nach diesem Jahr filtern",
        "matrix": "Dokumente pro Stadt und Thema",
        "cell_title": "{row} · {column}: {count} Dokumente",
    },
    "en": {
        "years": "Results per year",
        "year_title": "{year}: {count} results – filter by this year",
        "matrix": "Documents per city and topic",
        "cell_title": "{row} · {column}: {count} documents",
    },
}


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def year_chart(counts: Mapping[str, int], link: Callable[[str], str], ui: str) -> str:
    """A bar per year (oldest first) of ``counts``; each bar links to ``link(year)``.

    Empty counts draw nothing: an empty chart says less than no chart.
    """
    years = sorted(counts)
    if not years:
        return ""
    texts = _TEXTS.get(ui, _TEXTS["de"])
    tallest = max(counts.values()) or 1
    top, bottom = 18, 22  # room for the count above a bar and the year below it
    width = len(years) * (BAR_WIDTH + BAR_GAP) + BAR_GAP
    height = top + BAR_AREA + bottom
    parts = [
        f'<svg class="chart year-chart" role="group" aria-label="{_attr(texts["years"])}"'
        f' xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}">',
        f"<title>{escape(texts['years'])}</title>",
    ]
    for i, year in enumerate(years):
        count = counts[year]
        bar = max(2, round(BAR_AREA * count / tallest))
        x = BAR_GAP + i * (BAR_WIDTH + BAR_GAP)
        y = top + BAR_AREA - bar
        middle = x + BAR_WIDTH / 2
        title = texts["year_title"].format(year=year, count=count)
        parts.append(
            f'<a class="bar" href="{_attr(link(year))}" data-year="{_attr(year)}"'
            f' data-count="{count}" aria-label="{_attr(title)}">'
            f"<title>{escape(title)}</title>"
            f'<rect x="{x}" y="{y}" width="{BAR_WIDTH}" height="{bar}" rx="2"/>'
            f'<text class="count" x="{middle}" y="{y - 4}" text-anchor="middle">{count}</text>'
            f'<text class="year" x="{middle}" y="{height - 6}" text-anchor="middle">'
            f"{escape(year)}</text></a>"
        )
    parts.append("</svg>")
    return "".join(parts)


def matrix_chart(
    rows: list[str],
    columns: list[str],
    counts: Mapping[tuple[str, str], int],
    link: Callable[[str, str], str],
    ui: str,
) -> str:
    """A grid of ``rows`` × ``columns``: each cell shaded by its count (``counts[row, column]``)
    and, when not empty, a link to ``link(row, column)``."""
    if not rows or not columns:
        return ""
    texts = _TEXTS.get(ui, _TEXTS["de"])
    most = max(counts.values(), default=0) or 1
    left = round(max(len(r) for r in rows) * CHAR_WIDTH) + 12
    # Column labels stand at 45°: their height is their length times sin 45°.
    top = round(max(len(c) for c in columns) * CHAR_WIDTH * 0.72) + 12
    width = left + len(columns) * CELL + top  # a rotated label reaches past the last column
    height = top + len(rows) * CELL + 4
    parts = [
        f'<svg class="chart matrix-chart" role="group" aria-label="{_attr(texts["matrix"])}"'
        f' xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}">',
        f"<title>{escape(texts['matrix'])}</title>",
    ]
    for j, column in enumerate(columns):
        x = left + j * CELL + CELL / 2
        parts.append(
            f'<text class="column" x="{x}" y="{top - 6}" transform="rotate(-45 {x} {top - 6})">'
            f"{escape(column)}</text>"
        )
    for i, row in enumerate(rows):
        y = top + i * CELL
        parts.append(
            f'<text class="row" x="{left - 8}" y="{y + CELL / 2 + 4}" text-anchor="end">'
            f"{escape(row)}</text>"
        )
        for j, column in enumerate(columns):
            count = counts.get((row, column), 0)
            x = left + j * CELL
            shade = 0.08 + 0.92 * count / most if count else 0
            title = texts["cell_title"].format(row=row, column=column, count=count)
            cell = (
                f"<title>{escape(title)}</title>"
                f'<rect x="{x + 1}" y="{y + 1}" width="{CELL - 2}" height="{CELL - 2}"'
                f' fill-opacity="{shade:.2f}"/>'
            )
            if count:
                ink = "light" if shade > 0.55 else "dark"
                cell += (
                    f'<text class="{ink}" x="{x + CELL / 2}" y="{y + CELL / 2 + 4}"'
                    f' text-anchor="middle">{count}</text>'
                )
                parts.append(
                    f'<a class="cell" href="{_attr(link(row, column))}" data-row="{_attr(row)}"'
                    f' data-column="{_attr(column)}" data-count="{count}">{cell}</a>'
                )
            else:
                parts.append(f'<g class="cell empty">{cell}</g>')
    parts.append("</svg>")
    return "".join(parts)
