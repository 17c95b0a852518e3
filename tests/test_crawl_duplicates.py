"""Exact and near duplicates across URLs, and requests under way at a time per host."""

from __future__ import annotations

import gc
import itertools
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler

from crawler.crawl import Crawler
from kb.entities import EntityExtractor
from kb.fingerprint import NEAR_BITS, _word_hash, distance, simhash, text_hash, words
from kb.settings import Settings
from kb.store import Source, Store
from tests.factories import make_settings
from tests.servers import Reply, Route, RouteServer, html

REPORT = (
    "Der Kommunale Präventionsrat in Gladbeck hat im Frühjahr eine Befragung zur Sicherheit im "
    "Bahnhofsviertel ausgewertet. Viele Befragte meiden den Platz vor dem Bahnhof am Abend, "
    "weil die Beleuchtung schlecht ist und Wege unübersichtlich sind. Die Stadt will deshalb "
    "Hecken zurückschneiden, neue Leuchten aufstellen und den Platz mit Sozialarbeit beleben. "
    "Die Polizei begleitet die Maßnahmen mit regelmäßigen Fußstreifen. Im Herbst sollen "
    "Anwohnerinnen, Geschäftsleute und Beschäftigte der Bahn bei einem Rundgang zeigen, wo sie "
    "sich unsicher fühlen. Ein Sicherheitsaudit mit einem Planungsbüro prüft danach Sichtachsen, "
    "Zugänge und Aufenthaltsqualität. Die Ergebnisse fließen in das Handlungskonzept, das der "
    "Rat im nächsten Jahr beschließen will. Vergleichbare Audits haben Essen und Mannheim "
    "bereits durchgeführt; ihre Berichte stehen im Wissenspool des Netzwerks."
)
OTHER = (
    "In Heidelberg arbeiten Jugendamt, Schulen und Polizei in einem neuen Netzwerk gegen "
    "Gewalt unter Jugendlichen zusammen. Fachkräfte lernen in Fortbildungen, Konflikte früh zu "
    "erkennen und zu schlichten. Ein Beirat aus Schülerinnen und Schülern berät das Netzwerk, "
    "und ein Bericht soll nach zwei Jahren zeigen, was gewirkt hat und was nicht. Eltern "
    "werden zu Abenden eingeladen, an denen Fachleute über Mobbing im Netz, Waffen in der "
    "Schultasche und Hilfen für Betroffene sprechen. Die Stadt stellt dafür zwei zusätzliche "
    "Stellen in der Schulsozialarbeit bereit. Wer Gewalt erlebt oder beobachtet, findet auf "
    "der Internetseite des Netzwerks Ansprechpersonen, Beratungsstellen und Notrufnummern in "
    "einfacher Sprache und in sechs weiteren Sprachen."
)


def _page(title: str, text: str, footer: str = "") -> Reply:
    return Reply(200, html(title, f"<p>{text}</p><p>{footer}</p>"))


def test_fingerprints_ignore_form_and_tell_near_from_different() -> None:
    assert text_hash(REPORT) == text_hash("  " + REPORT.upper().replace(". ", " … "))
    assert simhash("zu kurz für einen Vergleich") is None
    edited = REPORT.replace("Frühjahr", "Herbst") + " Stand: 3. März"
    near, other = simhash(REPORT), simhash(edited)
    assert near is not None and other is not None
    assert distance(near, other) <= NEAR_BITS
    unrelated = simhash(OTHER)
    assert unrelated is not None and distance(near, unrelated) > 2 * NEAR_BITS


def _simhash_by_definition(text: str) -> int:
    """The SimHash as the module defines it, pair by pair in plain integers: each bit is set
    where more of the text's word pairs (each as often as it occurs) have it than not."""
    mask = (1 << 64) - 1

    def mixed(value: int) -> int:
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9 & mask
        value = (value ^ (value >> 27)) * 0x94D049BB133111EB & mask
        return value ^ (value >> 31)

    found = words(text)
    pairs = [
        mixed((_word_hash(a) * 0x9E3779B97F4A7C15 & mask) ^ _word_hash(b))
        for a, b in itertools.pairwise(found)
    ]
    value = sum(1 << bit for bit in range(64) if 2 * sum(p >> bit & 1 for p in pairs) > len(pairs))
    return value - (1 << 64) if value >= 1 << 63 else value


def test_the_simhash_is_the_vote_of_all_word_pairs() -> None:
    repeated = " ".join([REPORT] * 3 + [OTHER])  # pairs that occur more than once
    for text in (REPORT, OTHER, repeated, REPORT + " " + OTHER):
        assert simhash(text) == _simhash_by_definition(text)


def test_duplicates_across_urls_are_skipped_with_their_original(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    links = "".join(
        f"<a href='{p}'>{p}</a>" for p in ["a.html", "druck-a.html", "b.html", "c.html"]
    )
    routes: dict[str, Route] = {
        "/robots.txt": Reply(200, b"", {"Content-Type": "text/plain"}),
        "/news/": Reply(
            200, html("Liste", links, extra_head="<meta name='robots' content='noindex'>")
        ),
        "/news/a.html": _page("Befragung Bahnhofsviertel", REPORT),
        # The print version: the same words, laid out differently.
        "/news/druck-a.html": _page("Befragung Bahnhofsviertel", REPORT.replace(". ", ".<br>")),
        # A copy with another date line and a footer: near, not equal.
        "/news/b.html": _page(
            "Befragung Bahnhofsviertel",
            REPORT.replace("im Frühjahr", "im Mai"),
            "Seite 1",
        ),
        "/news/c.html": _page("Netzwerk gegen Jugendgewalt", OTHER),
    }
    with RouteServer(routes) as server:
        report = Crawler(store, settings, extractor).run(
            [Source("g", f"{server.url}/news/", "news")]
        )
    original = f"{server.url}/news/a.html"
    skipped = {s.url.rsplit("/", 1)[-1]: s.reason for s in report.skipped}
    assert skipped["druck-a.html"] == f"duplicate of {original}"
    assert skipped["b.html"] == f"near-duplicate of {original}"
    assert report.new == 2 and store.document_by_url(f"{server.url}/news/c.html") is not None
    assert store.document_by_url(f"{server.url}/news/b.html") is None


def test_a_public_page_is_no_duplicate_of_a_members_only_one(
    store: Store, settings: Settings, extractor: EntityExtractor
) -> None:
    routes: dict[str, Route] = {
        "/robots.txt": Reply(200, b"", {"Content-Type": "text/plain"}),
        "/intern/a.html": _page("Befragung", REPORT),
        "/oeffentlich/a.html": _page("Befragung", REPORT),
    }
    with RouteServer(routes) as server:
        pool = Source("pool", f"{server.url}/intern/a.html", "post", members_only=True)
        public = Source("pub", f"{server.url}/oeffentlich/a.html", "news")
        report = Crawler(store, settings, extractor).run([pool, public])
        # The other way round, the members-only copy of a public text adds nothing.
        again = Source("pool2", f"{server.url}/intern/a.html?kopie=1", "post", members_only=True)
        routes["/intern/a.html?kopie=1"] = _page("Befragung", REPORT)
        second = Crawler(store, settings, extractor).run([again])
    assert report.new == 2 and not report.skipped
    assert [s.reason for s in second.skipped] == [f"duplicate of {server.url}/intern/a.html"]


def _slow_site(pages: int, in_flight: list[int], starts: list[float]) -> dict[str, Route]:
    lock = threading.Lock()
    running = [0]

    def slow(number: int) -> Route:
        def answer(_: BaseHTTPRequestHandler) -> Reply:
            with lock:
                running[0] += 1
                in_flight.append(running[0])
                starts.append(time.monotonic())
            time.sleep(0.15)
            with lock:
                running[0] -= 1
            return _page(f"Seite {number}", f"Kurzmeldung Nummer {number} aus Essen.")

        return answer

    links = "".join(f"<a href='{n}.html'>{n}</a>" for n in range(pages))
    routes: dict[str, Route] = {
        "/robots.txt": Reply(200, b"", {"Content-Type": "text/plain"}),
        "/news/": Reply(200, html("Liste", links)),
    }
    routes.update({f"/news/{n}.html": slow(n) for n in range(pages)})
    return routes


def test_requests_per_host_stay_within_the_concurrency_limit(
    tmp_path: object, store: Store, extractor: EntityExtractor
) -> None:
    for limit in (1, 3):
        in_flight: list[int] = []
        starts: list[float] = []
        settings = make_settings(tmp_path, crawl_concurrency=limit)
        with RouteServer(_slow_site(9, in_flight, starts)) as server:
            source = Source(f"essen{limit}", f"{server.url}/news/", "news")
            report = Crawler(store, settings, extractor).run([source])
        assert report.fetched == 10 and max(in_flight) == limit


def test_the_delay_spaces_request_starts_even_when_several_may_run(
    tmp_path: object, store: Store, extractor: EntityExtractor
) -> None:
    in_flight: list[int] = []
    starts: list[float] = []
    settings = make_settings(tmp_path, crawl_concurrency=3, crawl_delay=0.2)
    # Pipelines built and their garbage collected first: a full collection after building
    # them holds every thread for a few hundred milliseconds, which would shift a start.
    extractor.extract("Essen", "de")
    gc.collect()
    with RouteServer(_slow_site(5, in_flight, starts)) as server:
        Crawler(store, settings, extractor).run([Source("essen", f"{server.url}/news/", "news")])
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # Seen where the requests arrive: a busy machine may delay an arrival by tens of
    # milliseconds (so the next gap looks shorter), but most gaps keep the delay and together
    # they span nearly four; without the spacing, three would start at once (gaps of ~0).
    assert len(starts) == 5 and statistics.median(gaps) >= 0.15 and min(gaps) >= 0.05
    assert starts[-1] - starts[0] >= 0.7
