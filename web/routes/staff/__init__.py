"""Staff pages under /staff: sources, crawl runs, the entity catalogue, board imports, the
newsletter, the backups and documents' labels (editors), accounts and the audit log (admins).
Every action is an operation of `ops`, which writes it to the audit log.

Forms post back and are answered with a redirect carrying ``?meldung=<key>`` (a text key, never
free text), or with the form again and its problems.
"""

from __future__ import annotations

from fastapi import APIRouter

from web.routes.staff import (
    accounts,
    backups,
    entities,
    imports,
    labels,
    newsletter,
    runs,
    sources,
)

router = APIRouter(include_in_schema=False)
for part in (sources, runs, entities, labels, imports, accounts, newsletter, backups):
    router.include_router(part.router, prefix="/staff")
