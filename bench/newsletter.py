"""Compose and send one newsletter issue to many subscribers over loopback SMTP.

    python -m bench newsletter [--subscribers 5000] [--documents 300]

Generates a busy week of documents in every section (some members-only, some English; the
real newsletter carries a few dozen items) and subscribers with varied preferences (sections,
member cities, languages, saved searches; one in ten a member), indexes them, then times
composing the issue and sending it through a real SMTP server on loopback that accepts and
discards (aiosmtpd's ``Sink`` in its own process, as a mail server would be). Prints the time
of each step, mails per second and the total; the target is under 60 s for 5,000 subscribers
on 2 cores.
"""

from __future__ import annotations

import argparse
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.indexer import Index
from index.search import SearchService
from kb.accounts import Accounts
from kb.model import Document, Mention
from kb.newsletter_store import NewsletterStore, Preferences, SavedSearch
from kb.settings import Settings
from kb.store import Store
from ops.newsletter.compose import CHOOSABLE
from ops.newsletter.issues import compose_issue
from ops.newsletter.send import Sender

CITIES = ("Essen", "Mannheim", "Heidelberg", "Düsseldorf", "Stuttgart", "Hannover")
KINDS = ("publication", "news", "news", "funding", "event", "post")
WORDS = (
    "Prävention Sicherheit Quartier Nachtleben Messergewalt Bahnhof Jugend Polizei Kommune "
    "Sicherheitsaudit Beteiligung Videoüberwachung Gewalt Schule Drogen Präventionsrat"
).split()
QUERIES = ("Nachtleben", "Messergewalt", "Sicherheitsaudit", "Jugend", "Bahnhof Polizei")


@contextmanager
def sink_server() -> Iterator[int]:
    """aiosmtpd accepting and discarding every mail, in a process of its own; yields its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}"]
    server = subprocess.Popen([*command, "-c", "aiosmtpd.handlers.Sink"])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait(10)


def _documents(count: int, rng: random.Random) -> list[Document]:
    docs = []
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        city = rng.choice(CITIES) if kind == "news" and n % 4 else None
        english = n % 7 == 0
        words = " ".join(rng.choices(WORDS, k=60))
        docs.append(
            Document(
                url=f"https://pufii.test/bench/{n}",
                title=f"{'Report' if english else 'Bericht'} {n}: {' '.join(rng.sample(WORDS, 3))}",
                text=words,
                lang="en" if english else "de",
                kind=kind,
                city=city,
                collection="Bahnhofsviertel" if kind == "post" else None,
                members_only=kind == "post",
                mentions=[Mention(c, "LOC", 0, len(c), c) for c in rng.sample(CITIES, 1)],
            )
        )
    return docs


def _preferences(rng: random.Random) -> Preferences:
    return Preferences(
        sections=tuple(rng.sample(CHOOSABLE, rng.randint(0, 3))),
        cities=tuple(rng.sample(CITIES, rng.randint(0, 2))),
        languages=("de",) if rng.random() < 0.2 else (),
        searches=tuple(SavedSearch(q) for q in rng.sample(QUERIES, rng.randint(0, 2))),
    )


def run(folder: Path, port: int, subscribers: int, documents: int) -> None:
    rng = random.Random(8)
    settings = Settings(
        data_dir=folder, smtp_host="127.0.0.1", smtp_port=port, smtp_tls=False,
        base_url="https://wissen.defus.invalid",
    )  # fmt: skip
    store = Store.open(settings.db_path)
    for doc in _documents(documents, rng):
        store.upsert_document(doc)
    index = Index(settings.index_dir)
    index.sync(store)
    search = SearchService(index, store)
    news = NewsletterStore(store)
    accounts = Accounts(store)
    started = time.perf_counter()
    for n in range(subscribers):
        email = f"leser{n}@stadt{n % 97}.test"
        if n % 10 == 0:
            accounts.add(email, "member")
        news.add(email, _preferences(rng), confirmed=True)
    print(f"setup: {documents} documents, {subscribers} subscribers in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip

    started = time.perf_counter()
    issue = compose_issue(news, search)
    assert issue is not None
    composed = time.perf_counter() - started
    print(f"compose: {len(issue.items)} items, {len(issue.searches)} saved searches matched "
          f"in {composed:.2f} s")  # fmt: skip
    started = time.perf_counter()
    report = Sender(news, settings, b"bench-key" * 4).send(issue)
    sent = time.perf_counter() - started
    print(report.render())
    print(f"send: {report.sent} mails in {sent:.1f} s ({report.sent / sent:.0f} mails/s)")
    print(f"compose + send: {composed + sent:.1f} s (target: under 60 s for 5,000)")
    search.close()
    store.close()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench newsletter", description=__doc__)
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--documents", type=int, default=60)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, sink_server() as port:
        run(Path(folder), port, args.subscribers, args.documents)


if __name__ == "__main__":
    main(sys.argv[1:])
