"""Generate the two PDF files of the bundled demo website.

The PDFs live in ``ops/demo/site/pufii/dateien/`` and are committed to the
repository; run this script again only when their text changes::

    python scripts/make_demo_pdf.py

Requires ``fpdf2``. The text uses only latin-1 characters so that the
built-in core fonts can render it (no typographic quotes or dashes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

OUT_DIR = Path(__file__).resolve().parent.parent / "ops" / "demo" / "site" / "pufii" / "dateien"


@dataclass(frozen=True)
class DemoPdf:
    """Text and metadata of one demo PDF."""

    filename: str
    lang: str
    title: str
    author: str
    subject: str
    created: dt.datetime
    sections: tuple[tuple[str, str], ...]


GERMAN = DemoPdf(
    filename="leitfaden-sicherheitsaudits.pdf",
    lang="de-DE",
    title="Leitfaden kommunale Sicherheitsaudits - Kurzfassung",
    author="Katharina Lindner",
    subject="Sicherheitsaudits, Befragungen und Begehungen in Kommunen",
    created=dt.datetime(2019, 5, 14, 10, 0, tzinfo=dt.UTC),
    sections=(
        (
            "Worum es geht",
            "Ein kommunales Sicherheitsaudit verbindet zwei Blickwinkel: das, was Menschen in "
            "ihrem Stadtteil erleben und empfinden, und das, was Polizei und Verwaltung über "
            "Vorfälle wissen. Erst aus beiden Perspektiven ergibt sich ein Bild, auf das sich "
            "gezielte Maßnahmen stützen lassen. Diese Kurzfassung fasst die wichtigsten "
            "Schritte des Leitfadens zusammen.",
        ),
        (
            "1. Auftrag und Steuerung",
            "Am Anfang steht ein klarer Auftrag, idealerweise durch einen Beschluss des "
            "Stadtrats. Eine Lenkungsgruppe aus Ordnungsverwaltung, Stadtplanung, Jugendhilfe, "
            "Sozialplanung und Polizei begleitet das Audit. Sie legt fest, welche Gebiete "
            "untersucht werden, wer die Auswertung übernimmt und wie die Öffentlichkeit "
            "informiert wird. Bewährt hat sich eine feste Koordinationsstelle in der "
            "Verwaltung, die Termine hält und Ergebnisse zusammenführt.",
        ),
        (
            "2. Methoden",
            "Kern des Audits ist eine standardisierte Befragung einer Zufallsstichprobe der "
            "Bevölkerung. Gefragt wird nach dem Sicherheitsgefühl bei Tag und bei Nacht, nach "
            "gemiedenen Orten, nach eigenen Erfahrungen mit Kriminalität und Belästigung sowie "
            "nach dem Vertrauen in Polizei und Verwaltung. Ergänzt wird die Befragung durch "
            "Ortsbegehungen zu unterschiedlichen Tageszeiten, Gespräche mit Gewerbetreibenden, "
            "Schulen und Vereinen und eine kleinräumige Auswertung von Einsatz- und "
            "Beschwerdedaten.",
        ),
        (
            "3. Auswertung",
            "Die Ergebnisse werden nach Stadtteilen, Altersgruppen und Geschlecht getrennt "
            "dargestellt. Besonders aufschlussreich sind Orte, an denen sich ein geringes "
            "Sicherheitsgefühl und eine niedrige Zahl registrierter Vorfälle begegnen: Hier "
            "helfen oft Beleuchtung, Pflege und Belebung mehr als zusätzliche Kontrollen. "
            "Umgekehrt verdienen Orte mit vielen Vorfällen, die von der Bevölkerung kaum als "
            "unsicher wahrgenommen werden, besondere Aufmerksamkeit.",
        ),
        (
            "4. Vom Befund zur Maßnahme",
            "Ein Audit entfaltet nur Wirkung, wenn aus den Befunden ein Handlungsprogramm mit "
            "Zuständigkeiten, Fristen und Haushaltsmitteln wird. Der Leitfaden empfiehlt, "
            "wenige Maßnahmen verbindlich umzusetzen, statt eine lange Wunschliste zu "
            "veröffentlichen. Die Ergebnisse sollten der Bevölkerung verständlich "
            "zurückgemeldet werden, etwa in Stadtteilversammlungen.",
        ),
        (
            "5. Wiederholung",
            "Um Veränderungen messen zu können, sollte die Befragung nach drei bis vier Jahren "
            "mit demselben Fragebogen wiederholt werden. Erfahrungen aus Augsburg, Freiburg und "
            "Gelsenkirchen zeigen, dass sich der Aufwand lohnt: Die Audits haben dort die "
            "Zusammenarbeit zwischen Verwaltung und Polizei dauerhaft verbessert.",
        ),
    ),
)

ENGLISH = DemoPdf(
    filename="safer-nights-briefing.pdf",
    lang="en-GB",
    title="Safer Nights - Preventing Sexual Violence in Urban Nightlife",
    author="Clara Nguyen, Jonas Wegener",
    subject="Prevention of harassment and sexual violence in the night-time economy",
    created=dt.datetime(2023, 2, 8, 10, 0, tzinfo=dt.UTC),
    sections=(
        (
            "Summary",
            "Bars, clubs and the streets around them are places of encounter and enjoyment, but "
            "also places where harassment and sexual assault occur far too often. Most "
            "incidents are never reported. This briefing paper summarises practical lessons "
            "from cities that have made prevention in the night-time economy a shared task of "
            "venues, transport operators, the police and the municipality.",
        ),
        (
            "1. A shared protocol",
            "Prevention works best when everyone involved follows the same protocol: what staff "
            "do when a guest asks for help, how a person is taken to a safe place, who calls "
            "the police and how evidence is preserved. Cities can convene venue operators and "
            "agree on such a protocol, backed by a simple certification or a visible sign at "
            "the entrance.",
        ),
        (
            "2. Visible awareness teams",
            "Awareness teams in venues and at large events lower the threshold for people to "
            "ask for help. They need clear roles, training in conversation and de-escalation, "
            "and a quiet room where a person can recover. Teams should be easy to recognise but "
            "should not look like security staff.",
        ),
        (
            "3. Safe routes home",
            "Many incidents happen after people leave a venue. Good lighting on main walking "
            "routes, frequent night buses, staffed stations and subsidised taxi schemes for "
            "women and girls are therefore an essential part of any strategy. Surveys on how "
            "people get home at night help to identify gaps.",
        ),
        (
            "4. Addressing perpetrators and bystanders",
            "Campaigns that only advise women to be careful shift responsibility to potential "
            "victims. More promising are campaigns that address the behaviour of men and "
            "encourage bystanders to intervene safely, for example by distracting, asking the "
            "person concerned or alerting staff.",
        ),
        (
            "5. Training and continuity",
            "Staff turnover in the night-time economy is high. One-off workshops fade quickly, "
            "so training should be short, repeated and part of the induction of new staff. "
            "Cities can support this with free online modules and a contact person in the "
            "administration.",
        ),
    ),
)


def build(doc: DemoPdf, out_dir: Path) -> Path:
    """Render one demo PDF into ``out_dir`` and return its path."""
    pdf = FPDF(format="A4")
    pdf.set_title(doc.title)
    pdf.set_author(doc.author)
    pdf.set_subject(doc.subject)
    pdf.set_creator("scripts/make_demo_pdf.py")
    pdf.set_creation_date(doc.created)
    pdf.set_lang(doc.lang)
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.multi_cell(0, 8, doc.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, f"{doc.author} - {doc.created:%Y-%m-%d}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for heading, text in doc.sections:
        pdf.set_font("Helvetica", style="B", size=12)
        pdf.multi_cell(0, 6, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / doc.filename
    pdf.output(str(path))
    return path


def main() -> None:
    """Write both demo PDFs."""
    for doc in (GERMAN, ENGLISH):
        path = build(doc, OUT_DIR)
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
