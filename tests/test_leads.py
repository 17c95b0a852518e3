from __future__ import annotations

from kb.leads import lead, lead_start
from kb.model import KINDS


def test_the_lead_skips_title_label_and_date_line() -> None:
    text = (
        "Nachtleben sicher gestalten\n\nPressemitteilung\n\nVeröffentlicht am 3. März 2025 | "
        "Stadt Essen\n\nDie Stadt Essen stellt am 3. März ihr Konzept vor."
    )
    assert lead(text, "Nachtleben sicher gestalten", 6) == "Die Stadt Essen stellt am 3."
    english = "Safer nights\n\nNews\n\nPublished 14 August 2017\n\nThe council agreed ..."
    assert lead(english, "Safer nights").startswith("The council agreed")


def test_a_text_that_starts_with_a_date_keeps_it() -> None:
    text = "Am 3. März 2025 eröffnet die Stadt eine Beratungsstelle für Betroffene von Gewalt."
    assert lead_start(text, "Beratungsstelle") == 0


def test_project_is_a_kind() -> None:
    assert KINDS["project"] == "Projekt"
