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
        "nav.label": "Bereiche",
        "nav.search": "Suche",
        "nav.funding": "Förderung",
        "nav.events": "Veranstaltungen",
        "nav.projects": "Projekte",
        "nav.peers": "Praxis der Städte",
        "funding.title": "Förderaufrufe",
        "funding.intro": (
            "Förderprogramme und Wettbewerbe, bei denen Sie sich noch bewerben können – nach der "
            "nächsten Frist geordnet."
        ),
        "funding.open": "Offene Aufrufe",
        "funding.status.open": "Offen",
        "funding.status.closed": "Abgelaufen",
        "funding.status.unknown": "Frist unbekannt",
        "funding.all": "Alle",
        "funding.archive": "Archiv",
        "funding.none_open": "Zurzeit ist kein Aufruf offen.",
        "funding.deadline": "Frist",
        "funding.days_left": "noch {n} Tage",
        "funding.last_day": "heute letzter Tag",
        "funding.programme": "Programm",
        "funding.funder": "Fördergeber",
        "funding.eligible": "Antragsberechtigt",
        "funding.amount": "Fördersumme",
        "events.title": "Veranstaltungen",
        "events.upcoming": "Kommende Veranstaltungen",
        "events.past": "Vergangene Veranstaltungen",
        "events.undated": "Termin unbekannt",
        "events.none": "Zurzeit sind keine Veranstaltungen angekündigt.",
        "events.place": "Ort",
        "events.online": "online",
        "events.organiser": "Veranstalter",
        "events.calendar": "Veranstaltungen im Kalender abonnieren (iCalendar)",
        "projects.title": "Projekte und Organisationen",
        "projects.intro": (
            "Projekte, Gremien, Netzwerke und Institutionen, die in den Dokumenten vorkommen – "
            "mit Stadt, Themen und den Dokumenten, die sie erwähnen."
        ),
        "projects.name": "Name",
        "projects.kind": "Art",
        "projects.state": "Bundesland",
        "projects.topic": "Thema",
        "projects.all": "alle",
        "projects.filter": "Filtern",
        "projects.documents": "Dokumente",
        "projects.count": "Einträge",
        "projects.none": "Keine Einträge für diese Auswahl.",
        "orgkind.": "Organisation",
        "orgkind.project": "Projekt",
        "orgkind.body": "Gremium",
        "orgkind.network": "Netzwerk",
        "orgkind.police": "Polizei",
        "orgkind.ministry": "Ministerium",
        "orgkind.university": "Hochschule",
        "orgkind.association": "Verband",
        "orgkind.city-administration": "Stadtverwaltung",
        "orgkind.agency": "Behörde",
        "orgkind.company": "Unternehmen",
        "peers.title": "Praxis der Städte",
        "peers.intro": (
            "Was die Mitgliedsstädte zu einem Thema tun: Dokumente, Projekte und Ansprechpersonen"
            " Stadt für Stadt."
        ),
        "peers.topic": "Thema",
        "peers.query": "oder eigener Suchbegriff",
        "peers.show": "Anzeigen",
        "peers.city": "Stadt",
        "peers.documents": "Dokumente",
        "peers.projects": "Projekte",
        "peers.organisations": "Organisationen",
        "peers.people": "Ansprechpersonen",
        "peers.years": (
            "Dokumente zum Suchbegriff pro Jahr – ein Balken filtert die Suche nach dem Jahr"
        ),
        "peers.matrix": "Städte und Themen im Netzwerk",
        "peers.none": "Keine Stadt ist in diesem Thema aktiv.",
        "peers.in_search": "alle in der Suche",
        "peers.city_title": "Themen in {city}",
        "peers.network": "Durchschnitt im Netzwerk",
        "peers.active": "aktive Städte",
        "peers.compare": (
            "Dokumente von {city} je Thema im Vergleich zum Durchschnitt der Mitgliedsstädte."
        ),
        "peers.unknown_city": "Diese Stadt kommt in den Dokumenten nicht vor.",
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
        "nav.label": "Sections",
        "nav.search": "Search",
        "nav.funding": "Funding",
        "nav.events": "Events",
        "nav.projects": "Projects",
        "nav.peers": "Peer practices",
        "funding.title": "Funding calls",
        "funding.intro": (
            "Funding programmes and competitions you can still apply for, nearest deadline first."
        ),
        "funding.open": "Open calls",
        "funding.status.open": "Open now",
        "funding.status.closed": "Closed",
        "funding.status.unknown": "Deadline unknown",
        "funding.all": "All",
        "funding.archive": "Archive",
        "funding.none_open": "No call is open at present.",
        "funding.deadline": "Deadline",
        "funding.days_left": "{n} days left",
        "funding.last_day": "last day today",
        "funding.programme": "Programme",
        "funding.funder": "Funder",
        "funding.eligible": "Who may apply",
        "funding.amount": "Amount",
        "events.title": "Events",
        "events.upcoming": "Upcoming events",
        "events.past": "Past events",
        "events.undated": "Date unknown",
        "events.none": "No events are announced at present.",
        "events.place": "Place",
        "events.online": "online",
        "events.organiser": "Organiser",
        "events.calendar": "Subscribe to the events (iCalendar)",
        "projects.title": "Projects and organisations",
        "projects.intro": (
            "Projects, bodies, networks and institutions the documents mention – with their city,"
            " topics and the documents that mention them."
        ),
        "projects.name": "Name",
        "projects.kind": "Type",
        "projects.state": "State",
        "projects.topic": "Topic",
        "projects.all": "all",
        "projects.filter": "Filter",
        "projects.documents": "Documents",
        "projects.count": "entries",
        "projects.none": "Nothing matches this selection.",
        "orgkind.": "Organisation",
        "orgkind.project": "Project",
        "orgkind.body": "Body",
        "orgkind.network": "Network",
        "orgkind.police": "Police",
        "orgkind.ministry": "Ministry",
        "orgkind.university": "University",
        "orgkind.association": "Association",
        "orgkind.city-administration": "City administration",
        "orgkind.agency": "Agency",
        "orgkind.company": "Company",
        "peers.title": "Peer practices",
        "peers.intro": (
            "What member cities do on a topic: documents, projects and contacts city by city."
        ),
        "peers.topic": "Topic",
        "peers.query": "or your own search term",
        "peers.show": "Show",
        "peers.city": "City",
        "peers.documents": "Documents",
        "peers.projects": "Projects",
        "peers.organisations": "Organisations",
        "peers.people": "Contacts",
        "peers.years": (
            "Documents matching the search term per year – a bar filters the search by its year"
        ),
        "peers.matrix": "Cities and topics in the network",
        "peers.none": "No city is active in this topic.",
        "peers.in_search": "all in the search",
        "peers.city_title": "Topics in {city}",
        "peers.network": "Network average",
        "peers.active": "active cities",
        "peers.compare": "Documents of {city} per topic compared with the average member city.",
        "peers.unknown_city": "The documents do not mention this city.",
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
