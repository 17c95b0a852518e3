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
]
