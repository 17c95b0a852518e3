"""The newsletter: composition (sections, personalisation, visibility, marks), sending through
a real SMTP server (multipart, list headers, hard failures, interrupted and resumed sends),
and the web: double opt-in, one-click unsubscribe, preferences, the archive and its feed."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import feedparser
import httpx
import pytest
from bs4 import BeautifulSoup

from index.indexer import Index
from index.search import SearchService
from kb.accounts import Accounts
from kb.newsletter_store import Candidate, NewsletterStore, Preferences, SavedSearch
from kb.settings import Settings
from kb.store import Store
from ops.newsletter.compose import (
    Item,
    ReaderLinks,
    items_from,
    personalise,
    public_edition,
    render_html,
    render_text,
)
from ops.newsletter.issues import compose_issue, send_next
from ops.newsletter.send import SendAbortedError, Sender
from ops.newsletter.subscriptions import parse_search, preferences
from ops.services import Services
from tests.appserver import AppServer
from tests.factories import make_document, make_settings, mention
from tests.sessions import PASSWORD, form_token, login
from tests.smtp import Inbox
from web.app import create_app

KEY = b"n" * 32
SINCE = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
MEMBER_CITIES = frozenset({"Essen", "Mannheim", "Heidelberg"})
LINKS = ReaderLinks("http://kb.test/p", "http://kb.test/u", "http://kb.test/a")


# -- composition ------------------------------------------------------------------------------


def _candidate(doc_id: int, created: str = "2025-01-08T10:00:00", **fields: Any) -> Candidate:
    doc = make_document(**fields)
    doc.id = doc_id
    return Candidate(doc, created, "2025-01-09T10:00:00")


def _items() -> list[Item]:
    return items_from(
        [
            _candidate(1, title="Leitfaden Sicherheitsaudit", kind="publication"),
            _candidate(2, title="Essen stärkt Prävention", kind="news", city="Essen"),
            _candidate(3, title="Nachtleben sicher", kind="news", mentions=[mention("Mannheim")]),
            _candidate(4, title="Efus conference report", kind="news", lang="en"),
            _candidate(
                5,
                title="Protokoll Bahnhofsviertel",
                kind="post",
                collection="Bahnhof",
                members_only=True,
            ),
            _candidate(6, title="Förderaufruf Quartier", kind="funding"),
            _candidate(7, title="Präventionstag 2025", kind="event", created="2024-12-01T00:00:00"),
            _candidate(8, title="Newsletter 1/2025", kind="newsletter"),
        ],
        SINCE,
        MEMBER_CITIES,
    )


def _titles(edition_sections: Any) -> dict[str, list[str]]:
    return {s.key: [i.title for i in s.items] for s in edition_sections}


def test_documents_are_grouped_into_the_newsletters_sections() -> None:
    edition = personalise(1, "2025-01-13", _items(), Preferences(), member=True, matches={})
    assert _titles(edition.sections) == {
        "publications": ["Leitfaden Sicherheitsaudit"],
        "cities": ["Nachtleben sicher", "Essen stärkt Prävention"],  # newest first
        "information": ["Efus conference report"],
        "collections": ["Protokoll Bahnhofsviertel"],
        "funding": ["Förderaufruf Quartier"],
        "events": ["Präventionstag 2025"],
    }
    assert [s.title for s in edition.sections][:2] == ["Publikationen", "Aus den Mitgliedsstädten"]
    updated = [i.title for i in _items() if i.updated]
    assert updated == ["Präventionstag 2025"]  # known before the last issue, changed since


def test_items_name_their_source_and_start_their_summary_after_the_date_line() -> None:
    items = items_from(
        [
            _candidate(
                1,
                title="Leitfaden Sicherheitsaudit",
                kind="publication",
                url="http://127.0.0.1:8799/pufii/leitfaden.html",
                source="pufii-publikationen",
                text="Leitfaden Sicherheitsaudit\n\n12. März 2025 · Publikation\n\n"
                "Der Leitfaden zeigt, wie Kommunen ein Audit vorbereiten.",
                attachments=["http://127.0.0.1:8799/pufii/leitfaden.pdf"],
            ),
            _candidate(2, title="Import", kind="publication", url="https://www.stadt.test/a"),
        ],
        SINCE,
        MEMBER_CITIES,
    )
    crawled, imported = sorted(items, key=lambda i: i.doc_id)
    assert crawled.source == "Pufii-Publikationen" and imported.source == "stadt.test"
    assert crawled.summary == "Der Leitfaden zeigt, wie Kommunen ein Audit vorbereiten."
    text = render_text(public_edition(1, "2025-03-17", [crawled]), None)
    assert "PDF: http://127.0.0.1:8799/pufii/leitfaden.pdf" in text  # one item, its PDF linked


def test_members_only_items_reach_members_only() -> None:
    everything = Preferences(collections=("Bahnhof",))
    outsider = personalise(1, "2025-01-13", _items(), everything, member=False, matches={})
    assert "collections" not in _titles(outsider.sections)
    assert "Protokoll" not in render_html(outsider, LINKS) + render_text(outsider, LINKS)
    public = public_edition(1, "2025-01-13", _items())
    assert "collections" not in _titles(public.sections)


def test_editions_follow_city_section_language_and_saved_searches() -> None:
    items = _items()
    essen = personalise(1, "d", items, Preferences(cities=("Essen",)), member=False, matches={})
    assert _titles(essen.sections)["cities"] == ["Essen stärkt Prävention"]
    assert "publications" in _titles(essen.sections)  # cities narrow only the city news
    funding = Preferences(sections=("funding", "events"))
    assert set(_titles(personalise(1, "d", items, funding, member=True, matches={}).sections)) == {
        "funding",
        "events",
    }
    english = personalise(1, "d", items, Preferences(languages=("en",)), member=True, matches={})
    assert _titles(english.sections) == {"information": ["Efus conference report"]}
    saved = SavedSearch("Förderung", (("kind", ("funding",)),))
    searcher = Preferences(sections=("publications",), searches=(saved,))
    found = personalise(1, "d", items, searcher, member=False, matches={saved.key: [6]})
    assert _titles(found.sections) == {
        "searches": ["Förderaufruf Quartier"],
        "publications": ["Leitfaden Sicherheitsaudit"],
    }


def test_topics_and_target_groups_narrow_every_section() -> None:
    labelled = {1: (("sicherheitsbefragung",), ()), 3: (("nachtleben",), ("jugendliche",))}
    items = [
        replace(i, topics=labelled[i.doc_id][0], targets=labelled[i.doc_id][1])
        if i.doc_id in labelled
        else i
        for i in _items()
    ]
    nights = Preferences(topics=("nachtleben", "jugend"))
    edition = personalise(1, "d", items, nights, member=True, matches={})
    assert _titles(edition.sections) == {"cities": ["Nachtleben sicher"]}
    young = Preferences(targets=("jugendliche",), sections=("publications", "cities"))
    edition = personalise(1, "d", items, young, member=True, matches={})
    assert _titles(edition.sections) == {"cities": ["Nachtleben sicher"]}
    assert Item.from_json({**items[0].to_json(), "topics": ["x"]}).topics == ("x",)
    old = {k: v for k, v in items[0].to_json().items() if k not in ("topics", "targets")}
    assert Item.from_json(old).topics == ()  # issues drafted before labels
    given = {"topic": ["jugend"], "target": ["kinder"]}
    (item,) = items_from([_candidate(9, kind="publication", labels=given)], SINCE, MEMBER_CITIES)
    assert (item.topics, item.targets) == (("jugend",), ("kinder",))  # the document's labels


def test_settings_and_evidence_narrow_every_section_too() -> None:
    labelled = {1: ("schule", "evaluiert"), 3: ("schule", None), 4: ("nachtleben", "evaluiert")}
    items = [
        replace(
            i,
            settings=(labelled[i.doc_id][0],),
            evidence=tuple(e for e in labelled[i.doc_id][1:] if e),
        )
        if i.doc_id in labelled
        else i
        for i in _items()
    ]
    at_school = Preferences(settings=("schule",))
    found = personalise(1, "d", items, at_school, member=True, matches={})
    assert {i.doc_id for s in found.sections for i in s.items} == {1, 3}
    evaluated = Preferences(settings=("schule",), evidence=("evaluiert",))
    found = personalise(1, "d", items, evaluated, member=True, matches={})
    assert {i.doc_id for s in found.sections for i in s.items} == {1}
    given = {"setting": ["schule"], "evidence": ["evaluiert"]}
    (item,) = items_from([_candidate(9, kind="publication", labels=given)], SINCE, MEMBER_CITIES)
    assert (item.settings, item.evidence) == (("schule",), ("evaluiert",))


def test_a_saved_search_keeps_the_label_filters_of_a_search_page_address() -> None:
    saved = parse_search("https://pufii.test/?q=Streetwork&target=jugendliche&setting=schule")
    assert saved is not None and dict(saved.filters) == {
        "setting": ("schule",),
        "target": ("jugendliche",),
    }
    given = {"topics": ["jugend", "erfunden"], "targets": ["kinder"], "settings": ["schule"]}
    chosen = preferences([], [], [], [], [], {**given, "evidence": ["evaluiert", "vielleicht"]})
    assert (chosen.topics, chosen.targets) == (("jugend",), ("kinder",))
    assert (chosen.settings, chosen.evidence) == (("schule",), ("evaluiert",))


def test_english_and_updated_items_are_marked_in_both_parts() -> None:
    edition = personalise(1, "2025-01-13", _items(), Preferences(), member=True, matches={})
    text, html = render_text(edition, LINKS), render_html(edition, LINKS)
    assert "* Efus conference report [EN]" in text
    assert "* Präventionstag 2025 (aktualisiert)" in text
    assert "[EN]</span>" in html and "(aktualisiert)" in html
    assert "<style" not in html and 'style="' in html  # inline CSS only
    assert "Einstellungen ändern: http://kb.test/p" in text and 'href="http://kb.test/u"' in html


# -- sending through a real SMTP server ---------------------------------------------------------


def _settings(tmp_path: Path, inbox: Inbox, **more: Any) -> Settings:
    return make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_tls=False,
        base_url="http://kb.test",
        cookie_secure=False,
        **more,
    )


class Corpus:
    """A store with this week's documents, indexed, and subscribers to send to."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store.open(settings.db_path)
        self.news = NewsletterStore(self.store)
        docs = [
            make_document(title="Leitfaden Sicherheitsaudit", kind="publication"),
            make_document(title="Essen stärkt Prävention", kind="news", city="Essen"),
            make_document(
                title="Nightlife safety", kind="news", lang="en", text="Nightlife in Mannheim."
            ),
            make_document(
                title="Protokoll Bahnhofsviertel",
                kind="post",
                collection="Bahnhof",
                members_only=True,
                text="Internes Protokoll zur Messergewalt.",
            ),
            make_document(title="Förderaufruf Quartier", kind="funding"),
        ]
        for doc in docs:
            self.store.upsert_document(doc)
        # Crawled an hour ago: an issue composed in the same second would include them again.
        earlier = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
        self.store.connection.execute(
            "UPDATE documents SET created_at=?, updated_at=?", (earlier, earlier)
        )
        self.index = Index(settings.index_dir)
        self.index.sync(self.store)
        self.search = SearchService(self.index, self.store)

    def subscribe(self, n: int, **preferences: Any) -> list[str]:
        addresses = [f"leser{i}@stadt.test" for i in range(n)]
        for address in addresses:
            self.news.add(address, Preferences(**preferences), confirmed=True)
        return addresses

    def close(self) -> None:
        self.search.close()
        self.store.close()


@pytest.fixture
def corpus(tmp_path: Path, inbox: Inbox) -> Iterator[Corpus]:
    opened = Corpus(_settings(tmp_path, inbox))
    yield opened
    opened.close()


def test_a_newsletter_is_multipart_with_one_click_unsubscribe_headers(
    corpus: Corpus, inbox: Inbox
) -> None:
    corpus.subscribe(1)
    report = send_next(corpus.store, corpus.search, corpus.settings, KEY)
    assert report is not None and report.sent == 1
    (mail,) = inbox.messages
    assert mail.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in mail.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert mail["Subject"].startswith("DEFUS-Newsletter Nr. 1 vom")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://kb\.test/newsletter/abmelden/[\w.-]+>", mail["List-Unsubscribe"])
    assert mail["Message-ID"] == "<newsletter-1-1@defus.invalid>"
    text = mail.get_body(("plain",))
    assert text is not None and "Leitfaden Sicherheitsaudit" in text.get_content()
    assert "Protokoll" not in mail.as_string()  # not a member
    assert corpus.news.last_issue() is not None and corpus.news.last_issue().status == "sent"  # type: ignore[union-attr]
    again = send_next(corpus.store, corpus.search, corpus.settings, KEY)
    assert again is None and len(inbox.messages) == 1  # nothing new since: nothing sent


def test_personal_editions_and_members_only_items_to_members_only(
    corpus: Corpus, inbox: Inbox
) -> None:
    Accounts(corpus.store).add("mitglied@stadt.test", "member", PASSWORD)
    corpus.news.add("mitglied@stadt.test", Preferences(), confirmed=True)
    corpus.news.add("gast@stadt.test", Preferences(collections=("Bahnhof",)), confirmed=True)
    corpus.news.add("essen@stadt.test", Preferences(cities=("Essen",), sections=("cities",)), True)
    corpus.news.add("englisch@stadt.test", Preferences(languages=("en",)), confirmed=True)
    saved = SavedSearch("Messergewalt")
    corpus.news.add(
        "sucher@stadt.test", Preferences(searches=(saved,), sections=("funding",)), True
    )
    corpus.news.add("offen@stadt.test", Preferences(), confirmed=False)  # never confirmed
    send_next(corpus.store, corpus.search, corpus.settings, KEY)

    def body(address: str) -> str:
        (mail,) = inbox.to(address)
        part = mail.get_body(("plain",))
        assert part is not None
        return str(part.get_content())

    assert "Protokoll Bahnhofsviertel – nur für Mitglieder" in body("mitglied@stadt.test")
    assert "Protokoll" not in body("gast@stadt.test")
    essen = body("essen@stadt.test")
    assert "Essen stärkt Prävention" in essen and "Leitfaden" not in essen
    assert "Nightlife safety [EN]" in body("englisch@stadt.test")
    assert "Leitfaden" not in body("englisch@stadt.test")
    # The saved search matches a members-only post only: a non-member gets just the funding.
    sucher = body("sucher@stadt.test")
    assert "Förderaufruf" in sucher and "Protokoll" not in sucher
    assert inbox.to("offen@stadt.test") == []


def test_a_hard_failure_marks_the_subscriber_and_the_rest_is_sent(
    corpus: Corpus, inbox: Inbox
) -> None:
    addresses = corpus.subscribe(3)
    inbox.refuse.add(addresses[1])
    report = send_next(corpus.store, corpus.search, corpus.settings, KEY)
    assert report is not None and report.sent == 2 and len(report.failed) == 1
    bounced = corpus.news.by_email(addresses[1])
    assert bounced is not None and bounced.status == "bounced" and "550" in str(bounced.failure)
    assert inbox.recipients() == [addresses[0], addresses[2]]


def test_a_send_cut_off_by_the_server_resumes_without_duplicates(
    corpus: Corpus, inbox: Inbox
) -> None:
    addresses = corpus.subscribe(7)
    issue = compose_issue(corpus.news, corpus.search)
    assert issue is not None
    delays: list[float] = []
    sender = Sender(
        corpus.news, corpus.settings, KEY, batch_size=3, retries=2, backoff=0.5,
        sleep=delays.append,
    )  # fmt: skip
    original = inbox.handle_DATA

    async def failing_after_four(server: Any, session: Any, envelope: Any) -> str:
        inbox.down = len(inbox.messages) >= 4
        return await original(server, session, envelope)

    inbox.handle_DATA = failing_after_four  # type: ignore[method-assign]
    with pytest.raises(SendAbortedError):
        sender.send(issue)
    assert delays == [0.5, 1.0]  # backoff doubles
    assert len(inbox.messages) == 4
    inbox.handle_DATA = original  # type: ignore[method-assign]
    inbox.down = False
    report = sender.send(issue)
    assert report.sent == 3 and report.already == 4 and not report.uncertain
    assert inbox.recipients() == sorted(addresses)  # each exactly once


class Crash(BaseException):
    """The process dying at a chosen point."""


@pytest.mark.parametrize("point", ["before the claim", "after the server accepted"])
def test_a_crash_at_any_point_sends_nobody_twice(
    corpus: Corpus, inbox: Inbox, point: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    addresses = corpus.subscribe(5)
    issue = compose_issue(corpus.news, corpus.search)
    assert issue is not None
    third = corpus.news.by_email(addresses[2])
    assert third is not None
    real_claim, real_log = NewsletterStore.claim, NewsletterStore.log

    def crashing_claim(self: NewsletterStore, issue: Any, subscriber_id: int, n: int) -> bool:
        if subscriber_id == third.id:
            raise Crash
        return real_claim(self, issue, subscriber_id, n)

    def crashing_log(self: NewsletterStore, issue: Any, subscriber_id: int, *args: Any) -> None:
        if subscriber_id == third.id and args[0] == "sent":
            raise Crash
        real_log(self, issue, subscriber_id, *args)

    if point == "before the claim":
        monkeypatch.setattr(NewsletterStore, "claim", crashing_claim)
    else:
        monkeypatch.setattr(NewsletterStore, "log", crashing_log)
    with pytest.raises(Crash):
        Sender(corpus.news, corpus.settings, KEY, batch_size=2).send(issue)
    monkeypatch.undo()
    report = Sender(corpus.news, corpus.settings, KEY, batch_size=2).send(issue)
    assert inbox.recipients() == sorted(addresses)  # nobody twice, nobody missed
    if point == "after the server accepted":
        assert report.uncertain == [addresses[2]]  # logged as not resent


def test_two_runs_at_once_serve_each_reader_once(corpus: Corpus, inbox: Inbox) -> None:
    addresses = corpus.subscribe(30)
    issue = compose_issue(corpus.news, corpus.search)
    assert issue is not None
    reports = []

    def run() -> None:
        store = Store.open(corpus.settings.db_path)  # a connection of its own, as a process has
        reports.append(Sender(NewsletterStore(store), corpus.settings, KEY).send(issue))
        store.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert inbox.recipients() == sorted(addresses)
    assert sum(r.sent for r in reports) == 30


def test_a_dry_run_stores_and_sends_nothing(corpus: Corpus, inbox: Inbox) -> None:
    corpus.subscribe(2)
    report = send_next(corpus.store, corpus.search, corpus.settings, KEY, dry_run=True)
    assert report is not None and report.dry_run and report.sent == 2
    assert inbox.messages == [] and corpus.news.last_issue() is None


# -- the web ------------------------------------------------------------------------------------


@pytest.fixture
def site(corpus: Corpus) -> Iterator[tuple[str, Services]]:
    services = Services.open(corpus.settings)
    with AppServer(create_app(services)) as server:
        yield server.url, services
    services.close()


def _link(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    found = re.search(r"http://kb\.test(/newsletter/bestaetigen/\S+)", part.get_content())
    assert found, part.get_content()
    return found.group(1)


def test_double_opt_in_from_the_form_to_a_confirmed_subscriber(
    site: tuple[str, Services], corpus: Corpus, inbox: Inbox
) -> None:
    url, _ = site
    with httpx.Client(base_url=url) as reader:
        token = form_token(reader, "/newsletter")
        sent = reader.post(
            "/newsletter",
            data={"email": "Neu@Stadt.test", "cities": ["Essen"], "languages": ["de"],
                  "searches": "/?q=Prävention&city=Essen", "csrf_token": token},
        )  # fmt: skip
        assert sent.status_code == 200 and "bestätigen Sie Ihr Abonnement" in sent.text
    (confirmation,) = inbox.messages
    assert confirmation["To"] == "neu@stadt.test"
    pending = corpus.news.by_email("neu@stadt.test")
    assert pending is not None and pending.status == "pending"
    assert pending.preferences.searches == (SavedSearch("Prävention", (("city", ("Essen",)),)),)
    # Nothing goes to an unconfirmed address.
    assert send_next(corpus.store, corpus.search, corpus.settings, KEY, dry_run=True) is not None
    report = send_next(corpus.store, corpus.search, corpus.settings, KEY)
    assert report is not None and report.sent == 0 and len(inbox.messages) == 1
    link = _link(confirmation)
    with httpx.Client(base_url=url) as reader:
        page = reader.get(link)
        assert page.status_code == 200 and "neu@stadt.test" in page.text
        assert corpus.news.by_email("neu@stadt.test").status == "pending"  # type: ignore[union-attr]
        done = reader.post(link, data={"csrf_token": form_token(reader, link)})
        assert done.status_code == 303 and "/newsletter/einstellungen/" in done.headers["location"]
        preferences = reader.get(done.headers["location"])
        assert "Ihr Abonnement ist bestätigt" in preferences.text
    assert corpus.news.by_email("neu@stadt.test").status == "confirmed"  # type: ignore[union-attr]
    # An expired or forged link does nothing.
    assert httpx.get(url + link[:-3] + "abc").status_code == 404


def test_without_a_mail_server_the_form_says_that_no_mail_was_sent(
    corpus: Corpus, inbox: Inbox
) -> None:
    services = Services.open(corpus.settings.model_copy(update={"smtp_host": ""}))
    try:
        with AppServer(create_app(services)) as server, httpx.Client(base_url=server.url) as reader:
            token = form_token(reader, "/newsletter")
            sent = reader.post("/newsletter", data={"email": "x@stadt.test", "csrf_token": token})
    finally:
        services.close()
    assert sent.status_code == 200 and "keine E-Mail versendet" in sent.text
    assert "Wir haben Ihnen eine E-Mail geschickt" not in sent.text and not inbox.messages


def test_the_json_api_subscribes_anonymous_clients_only_with_csrf_for_sessions(
    site: tuple[str, Services], corpus: Corpus, inbox: Inbox
) -> None:
    url, _ = site
    body = {"email": "api@stadt.test", "sections": ["funding"],
            "searches": [{"query": "Nachtleben", "filters": {"city": ["Essen"]}}]}  # fmt: skip
    answer = httpx.post(url + "/api/subscriptions", json=body)
    assert answer.status_code == 202 and answer.json()["status"] == "pending"
    assert len(inbox.messages) == 1
    again = httpx.post(url + "/api/subscriptions", json=body)
    assert again.status_code == 202 and len(inbox.messages) == 1  # no second mail at once
    assert httpx.post(url + "/api/subscriptions", json={"email": "x"}).status_code == 422
    as_form = httpx.post(url + "/api/subscriptions", data={"email": "f@stadt.test"})
    assert as_form.status_code == 403  # a form post is what other sites can forge
    Accounts(corpus.store).add("sitzung@stadt.test", "member", PASSWORD)
    with httpx.Client(base_url=url) as client:
        assert login(client, "sitzung@stadt.test").status_code == 303
        refused = client.post("/api/subscriptions", json={"email": "s@stadt.test"})
        assert refused.status_code == 403


def test_a_pending_subscription_changes_only_through_its_confirmation_link(
    site: tuple[str, Services], corpus: Corpus, inbox: Inbox
) -> None:
    url, _ = site
    mine = {"email": "wartend@stadt.test", "sections": ["funding"], "cities": ["Essen"]}
    assert httpx.post(url + "/api/subscriptions", json=mine).status_code == 202
    stranger = {"email": "Wartend@Stadt.test", "sections": ["events"], "languages": ["en"],
                "searches": [{"query": "irgendwas"}]}  # fmt: skip
    answer = httpx.post(url + "/api/subscriptions", json=stranger)
    assert answer.status_code == 202 and answer.json()["status"] == "pending"
    with httpx.Client(base_url=url) as other:
        form = {"email": "wartend@stadt.test", "sections": ["events"],
                "csrf_token": form_token(other, "/newsletter")}  # fmt: skip
        assert other.post("/newsletter", data=form).status_code == 200
    pending = corpus.news.by_email("wartend@stadt.test")
    assert pending is not None and pending.status == "pending"
    assert pending.preferences == Preferences(sections=("funding",), cities=("Essen",))
    link = _link(inbox.messages[0])
    with httpx.Client(base_url=url) as reader:
        done = reader.post(link, data={"csrf_token": form_token(reader, link)})
        assert done.status_code == 303
        path = done.headers["location"]
        reader.post(path, data={"sections": ["events"], "csrf_token": form_token(reader, path)})
    chosen = corpus.news.by_email("wartend@stadt.test")
    assert chosen is not None and chosen.preferences == Preferences(sections=("events",))


def test_one_click_unsubscribe_from_the_mail_deletes_the_subscriber(
    site: tuple[str, Services], corpus: Corpus, inbox: Inbox
) -> None:
    url, services = site
    corpus.subscribe(2)
    send_next(corpus.store, corpus.search, corpus.settings, services.key)  # the app's key signs
    mail = inbox.to("leser0@stadt.test")[0]
    target = urlsplit(mail["List-Unsubscribe"].strip("<>"))
    assert httpx.get(url + target.path).status_code == 200  # a link scanner's GET does nothing
    assert corpus.news.by_email("leser0@stadt.test") is not None
    one_click = httpx.post(
        url + target.path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200
    assert corpus.news.by_email("leser0@stadt.test") is None
    assert corpus.news.by_email("leser1@stadt.test") is not None
    assert httpx.get(url + target.path).status_code == 404  # the link died with the data
    forged = httpx.post(url + "/newsletter/abmelden/" + "x" * 40, content=b"")
    assert forged.status_code == 200 and corpus.news.by_email("leser1@stadt.test") is not None


def test_the_preferences_page_changes_what_arrives(
    site: tuple[str, Services], corpus: Corpus, inbox: Inbox
) -> None:
    url, services = site
    corpus.subscribe(1)
    send_next(corpus.store, corpus.search, corpus.settings, services.key)
    text = inbox.messages[0].get_body(("plain",))
    assert text is not None
    path = urlsplit(re.findall(r"Einstellungen ändern: (\S+)", text.get_content())[0]).path
    with httpx.Client(base_url=url) as reader:
        page = reader.get(path)
        assert page.status_code == 200 and "leser0@stadt.test" in page.text
        assert 'value="collections"' not in page.text  # pools are offered to members only
        saved = reader.post(
            path,
            data={"sections": ["funding"], "languages": ["de"], "searches": "Audit\n",
                  "collections": ["Bahnhof"], "topics": ["jugend"], "targets": ["kinder"],
                  "settings": ["schule"], "evidence": ["evaluiert"],
                  "csrf_token": form_token(reader, path)},
        )  # fmt: skip
        assert saved.status_code == 303
    chosen = corpus.news.by_email("leser0@stadt.test")
    assert chosen is not None
    assert chosen.preferences == Preferences(
        sections=("funding",),
        languages=("de",),
        searches=(SavedSearch("Audit"),),
        topics=("jugend",),
        targets=("kinder",),
        settings=("schule",),
        evidence=("evaluiert",),
    )


def test_the_archive_and_its_feed_show_published_issues(
    site: tuple[str, Services], corpus: Corpus
) -> None:
    url, _ = site
    corpus.subscribe(1)
    draft = compose_issue(corpus.news, corpus.search)
    assert draft is not None
    assert httpx.get(url + "/newsletter/archiv/1").status_code == 404  # drafts are not public
    send_next(corpus.store, corpus.search, corpus.settings, KEY)
    archive = httpx.get(url + "/newsletter/archiv")
    assert archive.status_code == 200 and "/newsletter/archiv/1" in archive.text
    issue = httpx.get(url + "/newsletter/archiv/1")
    assert issue.status_code == 200 and "Leitfaden Sicherheitsaudit" in issue.text
    assert "Protokoll" not in issue.text and "[EN]" in issue.text
    feed = feedparser.parse(httpx.get(url + "/newsletter/feed.xml").content)
    assert feed.bozo == 0
    (entry,) = feed.entries
    assert entry.link == "http://kb.test/newsletter/archiv/1"
    assert entry.title.startswith("DEFUS-Newsletter Nr. 1")
    assert "Leitfaden Sicherheitsaudit" in entry.summary and "Protokoll" not in entry.summary


HOSTILE = "<img src=x onerror=alert(1)><b>Fett</b> &amp; Co"


def test_a_title_with_markup_is_text_in_the_feed_the_archive_and_the_mail(
    site: tuple[str, Services], corpus: Corpus, inbox: Inbox
) -> None:
    """Each output escapes once for its context: in the feed's description, which readers
    render as HTML, a title is text, as it is on the archive's pages and in the mail."""
    url, _ = site
    corpus.store.upsert_document(make_document(title=HOSTILE, kind="publication"))
    corpus.subscribe(1)
    send_next(corpus.store, corpus.search, corpus.settings, KEY)
    rss = ElementTree.fromstring(httpx.get(url + "/newsletter/feed.xml").content)
    [item] = rss.iter("item")
    description = item.findtext("description")
    assert description is not None
    rendered = BeautifulSoup(description, "html.parser")
    assert rendered.find() is None  # no element of the title's: readers show it as text
    assert HOSTILE in rendered.get_text()
    assert (item.findtext("title") or "").startswith("DEFUS-Newsletter Nr. 1 vom ")
    for page in (url + "/newsletter/archiv/1", url + "/newsletter/archiv"):
        shown = BeautifulSoup(httpx.get(page).text, "html.parser")
        assert shown.find("img") is None and shown.find("b") is None
    issue = BeautifulSoup(httpx.get(url + "/newsletter/archiv/1").text, "html.parser")
    assert HOSTILE in issue.get_text()
    mail = inbox.messages[0].get_body(("html",))
    assert mail is not None
    body = BeautifulSoup(mail.get_content(), "html.parser")
    assert body.find("img") is None and HOSTILE in body.get_text()
    text = inbox.messages[0].get_body(("plain",))
    assert text is not None and HOSTILE in text.get_content()


def test_the_first_issue_covers_the_last_week_and_the_next_starts_where_it_ended(
    corpus: Corpus,
) -> None:
    first = compose_issue(corpus.news, corpus.search)
    assert first is not None and len(first.items) == 5
    since = datetime.fromisoformat(first.since)
    assert since == datetime.fromisoformat(first.composed_at) - timedelta(days=7)
    corpus.news.set_issue_status(first, "sent")
    assert compose_issue(corpus.news, corpus.search) is None  # nothing new: no issue
    # A changed document, updated since: marked so in the next issue.
    old = corpus.store.document(1)
    assert old is not None
    corpus.store.connection.execute(
        "UPDATE documents SET created_at='2024-01-01T00:00:00+00:00', updated_at=? WHERE id=1",
        (datetime.now(UTC).isoformat(timespec="seconds"),),
    )
    second = compose_issue(corpus.news, corpus.search)
    assert second is not None and second.number == 2
    (item,) = [Item.from_json(i) for i in second.items]
    assert item.title == old.title and item.updated


def test_staff_compose_preview_mail_to_themselves_and_send(
    site: tuple[str, Services], corpus: Corpus, inbox: Inbox
) -> None:
    url, _ = site
    corpus.subscribe(2)
    Accounts(corpus.store).add("redaktion@defus.test", "editor", PASSWORD)
    with httpx.Client(base_url=url) as staff:
        assert login(staff, "redaktion@defus.test").status_code == 303
        page = "/staff/newsletter"

        def post(action: str) -> httpx.Response:
            return staff.post(action, data={"csrf_token": form_token(staff, page)})

        assert "nl_composed" in post("/staff/newsletter/ausgabe").headers["location"]
        assert "nl_unfinished" in post("/staff/newsletter/ausgabe").headers["location"]
        preview = staff.get("/staff/newsletter/vorschau/1")
        assert preview.status_code == 200 and "Protokoll Bahnhofsviertel" in preview.text
        assert "style-src 'unsafe-inline'" in preview.headers["content-security-policy"]
        assert "sandbox" in preview.headers["content-security-policy"]
        public = staff.get("/staff/newsletter/vorschau/1?fassung=oeffentlich")
        assert "Protokoll" not in public.text and "Leitfaden" in public.text
        assert "nl_mailed" in post("/staff/newsletter/1/testmail").headers["location"]
        assert inbox.recipients() == ["redaktion@defus.test"]
        assert "nl_sending" in post("/staff/newsletter/1/senden").headers["location"]
        deadline = datetime.now(UTC) + timedelta(seconds=20)
        while corpus.news.issue(1).status != "sent":  # type: ignore[union-attr]
            assert datetime.now(UTC) < deadline, "the send did not finish"
            time.sleep(0.05)
        listing = staff.get(page).text
        assert 'data-status="sent"' in listing and "leser1@stadt.test" in listing
    assert inbox.recipients() == ["leser0@stadt.test", "leser1@stadt.test", "redaktion@defus.test"]
    assert httpx.get(url + "/staff/newsletter").status_code == 401  # staff only
