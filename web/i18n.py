"""Interface texts: German first, English as the switch; German collation for sorting."""

from __future__ import annotations

from datetime import date

from kb.model import KINDS

UI_LANGUAGES = ("de", "en")

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Wissensdatenbank Urbane Sicherheit",
        "subtitle": "Publikationen, Nachrichten der Mitgliedsstädte und Informationspools",
        "search": "Suchen",
        "placeholder": "Suchbegriff, z. B. Sicherheitsaudit, Messergewalt, Nachtleben",
        "results": "Treffer",
        "no_results": "Keine Treffer. Versuchen Sie andere oder weniger Suchbegriffe.",
        "filters": "Filter",
        "remove_filter": "Filter entfernen",
        "clear_all": "Alle Filter entfernen",
        "previous": "Zurück",
        "next": "Weiter",
        "page": "Seite",
        "sort": "Sortierung",
        "relevance": "Relevanz",
        "newest": "Neueste zuerst",
        "source": "Zur Quelle",
        "entities": "Erwähnte Personen, Organisationen und Orte",
        "back": "Zurück zur Suche",
        "not_found": "Dieses Dokument gibt es nicht, oder es ist nur für Mitglieder sichtbar.",
        "entity_not_found": "Diese Entität gibt es nicht.",
        "mentioned_in": "Erwähnt in",
        "related": "Häufig zusammen genannt",
        "all_documents": "Alle Dokumente in der Suche",
        "aliases": "Auch genannt",
        "label.PER": "Person",
        "label.ORG": "Organisation",
        "label.LOC": "Ort",
        "switch": "English",
        "error": "Fehler",
        "facet.kind": "Art",
        "facet.city": "Stadt",
        "facet.lang": "Sprache",
        "facet.year": "Jahr",
        "facet.collection": "Informationspool",
        "facet.person": "Person",
        "facet.org": "Organisation",
        "facet.place": "Ort",
        "facet.project": "Projekt",
        "facet.date": "Zeitraum",
        "did_you_mean": "Meinten Sie",
        "date_from": "von",
        "date_to": "bis",
        "facet.entity": "Entität",
        "lang.de": "Deutsch",
        "lang.en": "Englisch",
    },
    "en": {
        "title": "Urban Security Knowledge Base",
        "subtitle": "Publications, member-city news and information pools",
        "search": "Search",
        "placeholder": "Search term, e.g. safety audit, knife crime, nightlife",
        "results": "results",
        "no_results": "No results. Try other or fewer words.",
        "filters": "Filters",
        "remove_filter": "Remove filter",
        "clear_all": "Remove all filters",
        "previous": "Previous",
        "next": "Next",
        "page": "Page",
        "sort": "Sort",
        "relevance": "Relevance",
        "newest": "Newest first",
        "source": "Go to source",
        "entities": "People, organisations and places mentioned",
        "back": "Back to search",
        "not_found": "This document does not exist or is visible to members only.",
        "entity_not_found": "This entity does not exist.",
        "mentioned_in": "Mentioned in",
        "related": "Often mentioned together",
        "all_documents": "All documents in the search",
        "aliases": "Also called",
        "label.PER": "Person",
        "label.ORG": "Organisation",
        "label.LOC": "Place",
        "switch": "Deutsch",
        "error": "Error",
        "facet.kind": "Type",
        "facet.city": "City",
        "facet.lang": "Language",
        "facet.year": "Year",
        "facet.collection": "Information pool",
        "facet.person": "Person",
        "facet.org": "Organisation",
        "facet.place": "Place",
        "facet.project": "Project",
        "facet.date": "Period",
        "did_you_mean": "Did you mean",
        "date_from": "from",
        "date_to": "to",
        "facet.entity": "Entity",
        "lang.de": "German",
        "lang.en": "English",
    },
}

KIND_NAMES_EN = {
    "publication": "Publication",
    "news": "News",
    "funding": "Funding",
    "event": "Event",
    "newsletter": "Newsletter",
    "post": "Post",
    "page": "Page",
}
GERMAN_MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
    "Oktober", "November", "Dezember",
)  # fmt: skip
_COLLATION = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "Ä": "a", "Ö": "o", "Ü": "u"})


def german_key(text: str) -> str:
    """Sort key of DIN 5007-1: umlauts sort with their base letter, ß as ss."""
    return text.translate(_COLLATION).casefold()


def value_label(facet: str, value: str, ui: str) -> str:
    """How a facet value is shown: kinds and languages by name, the rest as they are."""
    if facet == "kind":
        return KINDS.get(value, value) if ui == "de" else KIND_NAMES_EN.get(value, value)
    if facet == "lang":
        return TEXTS[ui].get(f"lang.{value}", value)
    return value


def format_date(value: date | str | None, ui: str) -> str:
    if value is None:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    if ui == "de":
        return f"{day.day}. {GERMAN_MONTHS[day.month - 1]} {day.year}"
    return day.strftime("%d %B %Y").lstrip("0")
