"""Schema migrations of the SQLite store, applied in order; ``PRAGMA user_version`` counts them.

Append new migrations; never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: sources, documents with fetch state and a change sequence, entities, crawl runs.
    """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        kind TEXT NOT NULL,
        city TEXT,
        collection TEXT,
        lang TEXT,
        members_only INTEGER NOT NULL DEFAULT 0,
        login_url TEXT,
        enabled INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        source TEXT,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        lang TEXT NOT NULL,
        kind TEXT NOT NULL,
        city TEXT,
        collection TEXT,
        members_only INTEGER NOT NULL DEFAULT 0,
        date TEXT,
        content_hash TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        links TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        seq INTEGER NOT NULL
    );
    CREATE INDEX documents_seq ON documents(seq);
    CREATE TABLE mentions (
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        label TEXT NOT NULL,
        canonical TEXT NOT NULL,
        text TEXT NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL
    );
    CREATE INDEX mentions_doc ON mentions(doc_id);
    CREATE INDEX mentions_entity ON mentions(label, canonical);
    CREATE TABLE crawl_runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        report TEXT
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta VALUES ('seq', '0');
    """,
    # 2: the entity catalogue: canonical names, aliases, curation (blocked), and where an
    # entity comes from (the seed, staff, or found in texts by the rules).
    """
    CREATE TABLE entities (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        label TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT '',
        city TEXT,
        origin TEXT NOT NULL DEFAULT 'found',
        blocked INTEGER NOT NULL DEFAULT 0,
        UNIQUE (name, label)
    );
    CREATE TABLE entity_aliases (
        entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        alias TEXT NOT NULL,
        PRIMARY KEY (entity_id, alias)
    );
    CREATE INDEX entity_aliases_alias ON entity_aliases(alias);
    INSERT OR IGNORE INTO entities (name, label) SELECT DISTINCT canonical, label FROM mentions;
    """,
    # 3: the synonym and acronym table of the search, curated by staff; a group is a set of
    # variants that find each other.
    """
    CREATE TABLE synonyms (
        term TEXT PRIMARY KEY,
        grp INTEGER NOT NULL
    );
    CREATE INDEX synonyms_grp ON synonyms(grp);
    CREATE TABLE synonyms_seeded (seeded INTEGER NOT NULL);
    """,
    # 4: each source's crawl schedule (cron) and a note for staff.
    """
    ALTER TABLE sources ADD COLUMN schedule TEXT NOT NULL DEFAULT '0 5 * * *';
    ALTER TABLE sources ADD COLUMN note TEXT NOT NULL DEFAULT '';
    """,
    # 5: facts of funding calls and events extracted from their documents (kb.calls); seq is the
    # document's change number they were extracted from, so that a refresh redoes only changes.
    """
    CREATE TABLE calls (
        doc_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        programme TEXT,
        funder TEXT,
        eligible TEXT,
        amount TEXT,
        deadline TEXT,
        start TEXT,
        "end" TEXT,
        place TEXT,
        online INTEGER NOT NULL DEFAULT 0,
        organiser TEXT,
        seq INTEGER NOT NULL
    );
    CREATE INDEX calls_kind ON calls(kind);
    """,
    # 6: accounts with roles, server-side sessions, personal API tokens, failed logins for the
    # rate limit, and the audit log of staff actions. Secrets are stored only as hashes.
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL DEFAULT '',
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf_secret TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX sessions_user ON sessions(user_id);
    CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE TABLE login_attempts (
        key TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX login_attempts_key ON login_attempts(key, at);
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '{}'
    );
    """,
    # 7: crawl history and gone pages: earlier versions of changed documents are kept; a page
    # that answers 404/410 on consecutive crawls is counted and, at the third, marked gone
    # (it leaves the index, its history stays).
    """
    ALTER TABLE documents ADD COLUMN missing INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE documents ADD COLUMN gone INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE document_versions (
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        saved_at TEXT NOT NULL
    );
    CREATE INDEX document_versions_doc ON document_versions(doc_id);
    """,
    # 8: the newsletter: subscribers with their preferences (JSON lists; empty means all) and a
    # random key that binds their mailed links, composed issues (items frozen at composition so
    # that a resumed send mails what was previewed), the per-recipient send log, and the
    # scheduler's persistent jobs (APScheduler job state, pickled by APScheduler itself).
    """
    CREATE TABLE subscribers (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        link_key TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        sections TEXT NOT NULL DEFAULT '[]',
        cities TEXT NOT NULL DEFAULT '[]',
        collections TEXT NOT NULL DEFAULT '[]',
        languages TEXT NOT NULL DEFAULT '[]',
        searches TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        confirmed_at TEXT,
        confirm_sent_at TEXT,
        failure TEXT
    );
    CREATE TABLE newsletter_issues (
        id INTEGER PRIMARY KEY,
        number INTEGER NOT NULL UNIQUE,
        since TEXT NOT NULL,
        composed_at TEXT NOT NULL,
        items TEXT NOT NULL,
        searches TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL DEFAULT 'draft',
        sent_at TEXT
    );
    CREATE TABLE newsletter_sends (
        issue_id INTEGER NOT NULL REFERENCES newsletter_issues(id) ON DELETE CASCADE,
        subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        at TEXT NOT NULL,
        PRIMARY KEY (issue_id, subscriber_id)
    );
    CREATE TABLE scheduler_jobs (
        id TEXT PRIMARY KEY,
        next_run_time REAL,
        job_state BLOB NOT NULL
    );
    CREATE INDEX scheduler_jobs_next ON scheduler_jobs(next_run_time);
    """,
    # 9: duplicates across URLs (a hash of a text's words and its SimHash, filled for older
    # documents by the next crawl) and resumable crawls: the process that runs a crawl, and per
    # run and source the frontier (what is queued, what is done) and whether the source is done.
    """
    ALTER TABLE documents ADD COLUMN text_hash TEXT;
    ALTER TABLE documents ADD COLUMN simhash INTEGER;
    CREATE INDEX documents_text_hash ON documents(text_hash);
    ALTER TABLE crawl_runs ADD COLUMN pid INTEGER;
    CREATE TABLE crawl_frontier (
        run_id INTEGER NOT NULL REFERENCES crawl_runs(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        url TEXT NOT NULL,
        expand INTEGER NOT NULL,
        hint TEXT,
        done INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, source, url)
    );
    CREATE TABLE crawl_run_sources (
        run_id INTEGER NOT NULL REFERENCES crawl_runs(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        revisited INTEGER NOT NULL DEFAULT 0,
        finished INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, source)
    );
    """,
    # 10: calls as they are written: a rolling funding call (applications at any time, open
    # without a deadline) and the times of day of an event's start and end ("HH:MM", local
    # Berlin time). Documents keep their date as given ("2017", "2017-08", "2017-08-14") in the
    # date column; the rows stored so far are full dates already and stay valid as they are.
    # Extraction is redone for every call, so that old rows get the new facts. A page lists the
    # files (PDFs) that carry its text: they are not stored as documents of their own.
    """
    ALTER TABLE calls ADD COLUMN rolling INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE calls ADD COLUMN start_time TEXT;
    ALTER TABLE calls ADD COLUMN end_time TEXT;
    UPDATE calls SET seq = -1;
    ALTER TABLE documents ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
    """,
    # 11: acronyms that texts define for an entity are candidates for the catalogue (read from
    # the mentions); staff accept one as an alias or dismiss it: a dismissed one is not offered
    # again.
    """
    CREATE TABLE entity_candidate_dismissals (
        alias TEXT NOT NULL,
        name TEXT NOT NULL,
        label TEXT NOT NULL,
        dismissed_at TEXT NOT NULL,
        PRIMARY KEY (alias, name, label)
    );
    """,
    # 12: hostile input. Pages whose answer cannot be read on consecutive crawls (the same
    # reason each time) are given up for a while instead of being fetched again every run; a
    # frontier entry counts the attempts to read it, so a page that kills the crawl's process
    # is not taken up forever; password reset requests per address and client for their rate
    # limit; tokens of accounts disabled so far are revoked, as disabling now does.
    """
    CREATE TABLE page_failures (
        url TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        runs INTEGER NOT NULL,
        last_run INTEGER NOT NULL,
        at TEXT NOT NULL
    );
    ALTER TABLE crawl_frontier ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE reset_requests (
        key TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX reset_requests_key ON reset_requests(key, at);
    UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
        WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM users WHERE disabled);
    """,
    # 13: the runs of the service's jobs and the outcome of each: a source's crawl (per source,
    # with its pages by outcome; ``subject`` is the source's name), a backup, a newsletter send;
    # ``trigger`` tells the schedule from staff and the command line. The staff pages, the
    # alert on failing sources and /metrics read them.
    """
    CREATE TABLE job_runs (
        id INTEGER PRIMARY KEY,
        job TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        trigger TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        ok INTEGER NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX job_runs_job ON job_runs(job, subject, id);
    """,
    # 14: labels of each document by family (topic, target, setting, evidence): ``auto`` from
    # the rules of `kb.labels`, written with the document; ``staff`` the corrections, kept
    # across recrawls and winning over the rules for their family (the label '' marks a family
    # corrected to none). ``labelled`` is 0 until the rules have run on a document: those
    # stored before are labelled when the store opens. Newsletter readers may choose topics
    # and target groups.
    """
    CREATE TABLE labels (
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        family TEXT NOT NULL,
        label TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('auto', 'staff')),
        PRIMARY KEY (doc_id, family, label, source)
    );
    CREATE INDEX labels_label ON labels(family, label);
    ALTER TABLE documents ADD COLUMN labelled INTEGER NOT NULL DEFAULT 0;
    INSERT INTO meta VALUES ('labels_rules', '');
    ALTER TABLE subscribers ADD COLUMN topics TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE subscribers ADD COLUMN targets TEXT NOT NULL DEFAULT '[]'
    """,
    # 15: newsletter readers may also choose settings (Schule, öffentlicher Raum …) and
    # evidence (evaluated measures only).
    """
    ALTER TABLE subscribers ADD COLUMN settings TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE subscribers ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]'
    """,
    # 16: documents by kind: bringing the facts of calls up to date reads the funding and event
    # documents only, not the whole store (every sync asks: 40 → 9 ms at 20,000 documents).
    """
    CREATE INDEX documents_kind ON documents(kind, seq)
    """,
    # 17: each document's paragraphs with their languages ([[start, end, lang], …] as JSON),
    # decided once at ingestion: entities and the index read them instead of counting the
    # words of every paragraph again. NULL for documents stored before: decided when read.
    """
    ALTER TABLE documents ADD COLUMN passages TEXT
    """,
    # 18: a collection is members-only by definition; an imported record of one was stored
    # public unless it said members_only. Such documents become members-only, with a new change
    # number, so that the next sync writes them to the index as such.
    """
    UPDATE documents SET members_only = 1,
        seq = (SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'seq')
        WHERE collection IS NOT NULL AND collection <> '' AND NOT members_only;
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq'
        AND EXISTS (SELECT 1 FROM documents WHERE seq > CAST(meta.value AS INTEGER))
    """,
]
