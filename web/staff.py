"""Staff pages under /staff: sources, crawl runs, the entity catalogue, board imports (editors)
and accounts and the audit log (admins). Every action is written to the audit log.

Forms post back and are answered with a redirect carrying ``?meldung=<key>`` (a text key, never
free text), or with the form again and its problems.
"""

from __future__ import annotations

import logging
import smtplib
import tempfile
import threading
from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    HTTPException,
    Query,
    Request,
    UploadFile,
)
from fastapi import (
    Path as PathParam,
)
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from crawler.boards import BoardError, BoardReport, fetcher_for, import_board
from crawler.catalogue import CatalogueEntry as SourceEntry
from kb.accounts import Accounts, User
from kb.audit import AuditLog
from kb.curation import reapply
from kb.entities import EntityExtractor
from kb.entities.catalogue import seed_catalogue
from kb.entity_catalogue import Entity, EntityCatalogue
from kb.errors import AccountError, EntityError
from kb.model import ENTITY_LABELS, KINDS, CatalogueEntry
from kb.newsletter_store import IssueRecord, NewsletterStore, Preferences
from kb.store import Source, Store
from kb.viewer import ROLES
from web.access import Viewer, require
from web.api import ServicesDep
from web.auth import send_link
from web.crawls import crawl_in_background, next_runs, sync_jobs
from web.mail import MailError
from web.newsletter import links as newsletter_links
from web.newsletter.compose import (
    Item,
    ReaderLinks,
    build_message,
    personalise,
    public_edition,
    render_html,
)
from web.newsletter.issues import compose_issue
from web.newsletter.send import Sender, smtp_connector
from web.pages import render
from web.services import Services

log = logging.getLogger(__name__)

Editor = Annotated[Viewer, Depends(require("editor"))]
Admin = Annotated[Viewer, Depends(require("admin"))]
Text = Annotated[str, Form(max_length=2000)]
Name = Annotated[str, PathParam(max_length=200)]
Label = Literal["PER", "ORG", "LOC"]
BOARD_SUFFIXES = (".csv", ".json")

router = APIRouter(prefix="/staff", include_in_schema=False)


def _done(path: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?meldung={message}", status_code=303)


def _audit(services: Services, asker: Viewer, action: str, target: str, **detail: Any) -> None:
    AuditLog(services.store).record(asker.actor, action, target, detail)


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Any:
    """A staff page; ``meldung`` of the query names the message of the last action."""
    notice = request.query_params.get("meldung", "")
    return render(request, name, {"notice": notice, "section": name, **context}, status=status)


@router.get("")
async def staff_home(asker: Editor) -> Response:
    return RedirectResponse("/staff/quellen", status_code=303)


# -- sources ---------------------------------------------------------------------------------


def _source_form(
    name: str,
    url: str,
    kind: str,
    city: str,
    collection: str,
    lang: str,
    members_only: str,
    login_url: str,
    schedule: str,
    note: str,
) -> dict[str, Any]:
    return {
        "name": name.strip(),
        "url": url.strip(),
        "kind": kind,
        "city": city.strip() or None,
        "collection": collection.strip() or None,
        "lang": lang or None,
        # A collection is members-only by definition: ticking the box is not required.
        "members_only": bool(members_only) or bool(collection.strip()),
        "login_url": login_url.strip() or None,
        "schedule": schedule.strip() or "0 5 * * *",
        "note": note.strip(),
    }


def _validated(given: dict[str, Any]) -> tuple[Source | None, list[str]]:
    try:
        return SourceEntry.model_validate(given).to_source(), []
    except ValidationError as exc:
        return None, [
            f"{'.'.join(str(p) for p in e['loc']) or 'Eintrag'}: {e['msg']}" for e in exc.errors()
        ]


def _scheduler(request: Request) -> BackgroundScheduler | None:
    """The service's scheduler when it runs one (``kb serve``)."""
    found: BackgroundScheduler | None = request.app.state.scheduler
    return found


def _reschedule(request: Request, services: Services) -> None:
    """The crawl jobs in step with the sources at once, not at the next reconcile."""
    scheduler = _scheduler(request)
    if scheduler is not None:
        sync_jobs(scheduler, services.store.sources())


def _sources_page(
    request: Request, services: Services, form: dict[str, Any], problems: list[str]
) -> Any:
    scheduler = _scheduler(request)
    context = {
        "sources": services.store.sources(),
        "next_runs": next_runs(scheduler) if scheduler is not None else {},
        "kinds": KINDS,
        "form": form,
        "problems": problems,
    }
    return _page(request, "staff_sources.html", context, status=422 if problems else 200)


@router.get("/quellen", response_class=HTMLResponse)
async def sources_page(request: Request, services: ServicesDep, asker: Editor) -> Any:
    return _sources_page(request, services, {}, [])


SourceFields = dict[str, Any]


def source_fields(
    url: Text,
    kind: Annotated[str, Form(max_length=20)],
    city: Text = "",
    collection: Text = "",
    lang: Annotated[str, Form(max_length=2)] = "",
    members_only: Annotated[str, Form(max_length=5)] = "",
    login_url: Text = "",
    schedule: Annotated[str, Form(max_length=100)] = "",
    note: Text = "",
) -> SourceFields:
    """The fields of the source form but its name."""
    return {
        "url": url,
        "kind": kind,
        "city": city,
        "collection": collection,
        "lang": lang,
        "members_only": members_only,
        "login_url": login_url,
        "schedule": schedule,
        "note": note,
    }


Fields = Annotated[SourceFields, Depends(source_fields)]


@router.post("/quellen", response_class=HTMLResponse)
async def source_add(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    fields: Fields,
    name: Annotated[str, Form(max_length=200)],
) -> Any:
    given = _source_form(name, **fields)
    source, problems = _validated(given)
    if source is not None and services.store.source(source.name) is not None:
        problems = [f"name: Eine Quelle namens {source.name} gibt es schon."]
    if source is None or problems:
        return _sources_page(request, services, given, problems)
    services.store.add_source(source)
    _reschedule(request, services)
    _audit(services, asker, "source.add", source.name, url=source.url, kind=source.kind)
    return _done("/staff/quellen", "source_saved")


def _source(services: Services, name: str) -> Source:
    source = services.store.source(name)
    if source is None:
        raise HTTPException(404, "source not found")
    return source


@router.get("/quellen/{name}", response_class=HTMLResponse)
async def source_edit_form(
    request: Request, services: ServicesDep, asker: Editor, name: Name
) -> Any:
    source = _source(services, name)
    form = {**asdict(source), "lang": source.lang or "", "city": source.city or ""}
    return _page(request, "staff_source.html", {"source": source, "form": form, "kinds": KINDS})


@router.post("/quellen/{name}", response_class=HTMLResponse)
async def source_edit(
    request: Request, services: ServicesDep, asker: Editor, name: Name, fields: Fields
) -> Any:
    old = _source(services, name)
    given = _source_form(name, **fields)
    changed, problems = _validated(given)
    if changed is None:
        return _page(
            request,
            "staff_source.html",
            {"source": old, "form": given, "kinds": KINDS, "problems": problems},
            status=422,
        )
    changed = replace(changed, enabled=old.enabled)
    services.store.add_source(changed)
    _reschedule(request, services)
    differences = {k: v for k, v in asdict(changed).items() if getattr(old, k) != v}
    _audit(services, asker, "source.edit", name, **differences)
    return _done("/staff/quellen", "source_saved")


@router.post("/quellen/{name}/status")
async def source_status(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    name: Name,
    enabled: Annotated[Literal["0", "1"], Form()],
) -> Response:
    source = _source(services, name)
    services.store.add_source(replace(source, enabled=enabled == "1"))
    _reschedule(request, services)
    _audit(services, asker, "source.enable" if enabled == "1" else "source.disable", name)
    return _done("/staff/quellen", "source_enabled" if enabled == "1" else "source_disabled")


@router.post("/quellen/{name}/crawl")
async def source_crawl(services: ServicesDep, asker: Editor, name: Name) -> Response:
    source = _source(services, name)
    if not crawl_in_background(services, source):
        return _done("/staff/laeufe", "crawl_busy")
    _audit(services, asker, "source.crawl", name)
    return _done("/staff/laeufe", "crawl_started")


# -- crawl runs ------------------------------------------------------------------------------


@router.get("/laeufe", response_class=HTMLResponse)
async def runs_page(request: Request, services: ServicesDep, asker: Editor) -> Any:
    return _page(request, "staff_runs.html", {"runs": services.store.crawl_runs()})


@router.get("/laeufe/{run_id}", response_class=HTMLResponse)
async def run_page(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    run_id: Annotated[int, PathParam(ge=1, le=2**62)],
) -> Any:
    run = services.store.crawl_run(run_id)
    if run is None:
        raise HTTPException(404, "run not found")
    return _page(request, "staff_run.html", {"run": run})


# -- entity catalogue ------------------------------------------------------------------------


def _catalogue(services: Services) -> EntityCatalogue:
    catalogue = EntityCatalogue(services.store)
    catalogue.seed(seed_catalogue())
    return catalogue


@router.get("/entitaeten", response_class=HTMLResponse)
async def entities_page(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    q: Annotated[str, Query(max_length=200)] = "",
    changed: Annotated[int | None, Query(ge=0)] = None,
) -> Any:
    found = _catalogue(services).search(q.strip()) if q.strip() else []
    return _page(
        request,
        "staff_entities.html",
        {"q": q, "found": found, "labels": ENTITY_LABELS, "changed": changed},
    )


def _curated(
    services: Services, asker: Viewer, action: str, entity: Entity, forms: list[str]
) -> Response:
    changed = reapply(services.store, services.fresh_extractor(), forms)
    services.sync_index()
    _audit(services, asker, action, f"{entity.label} {entity.name}", forms=forms, changed=changed)
    query = urlencode({"meldung": "entity_saved", "changed": changed, "q": entity.name})
    return RedirectResponse(f"/staff/entitaeten?{query}", status_code=303)


def _entity_problem(request: Request, services: Services, problem: str) -> Any:
    return _page(
        request,
        "staff_entities.html",
        {"q": "", "found": [], "labels": ENTITY_LABELS, "problems": [problem]},
        status=422,
    )


@router.post("/entitaeten/neu", response_class=HTMLResponse)
async def entity_add(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    label: Annotated[Label, Form()],
    kind: Annotated[str, Form(max_length=50)] = "",
    city: Annotated[str, Form(max_length=200)] = "",
    aliases: Text = "",
) -> Any:
    alias_list = tuple(a.strip() for a in aliases.split(",") if a.strip())
    try:
        entity = _catalogue(services).add(
            CatalogueEntry(name.strip(), label, kind.strip(), alias_list, city.strip() or None)
        )
    except EntityError as exc:
        return _entity_problem(request, services, str(exc))
    return _curated(services, asker, "entity.add", entity, [entity.name, *entity.aliases])


@router.post("/entitaeten/alias", response_class=HTMLResponse)
async def entity_alias(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    alias: Annotated[str, Form(min_length=1, max_length=200)],
    label: Annotated[Label | Literal[""], Form()] = "",
) -> Any:
    try:
        entity = _catalogue(services).add_alias(name.strip(), alias.strip(), label or None)
    except EntityError as exc:
        return _entity_problem(request, services, str(exc))
    return _curated(services, asker, "entity.alias", entity, [alias.strip()])


@router.post("/entitaeten/zusammenfuehren", response_class=HTMLResponse)
async def entity_merge(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    source: Annotated[str, Form(min_length=1, max_length=200)],
    target: Annotated[str, Form(min_length=1, max_length=200)],
    label: Annotated[Label | Literal[""], Form()] = "",
) -> Any:
    try:
        entity = _catalogue(services).merge(source.strip(), target.strip(), label or None)
    except EntityError as exc:
        return _entity_problem(request, services, str(exc))
    return _curated(services, asker, "entity.merge", entity, [source.strip(), *entity.aliases])


@router.post("/entitaeten/sperren", response_class=HTMLResponse)
async def entity_block(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    label: Annotated[Label | Literal[""], Form()] = "",
) -> Any:
    try:
        entity = _catalogue(services).block(name.strip(), label or None)
    except EntityError as exc:
        return _entity_problem(request, services, str(exc))
    return _curated(services, asker, "entity.block", entity, [entity.name, *entity.aliases])


# -- board exports ---------------------------------------------------------------------------


@router.get("/import", response_class=HTMLResponse)
async def import_page(request: Request, services: ServicesDep, asker: Editor) -> Any:
    limit = services.settings.max_upload_bytes
    return _page(request, "staff_import.html", {"limit_mb": round(limit / 1e6, 1)})


def _import(
    services: Services,
    extractor: EntityExtractor,
    content: bytes,
    suffix: str,
    collection: str,
    site: str | None,
) -> BoardReport:
    """In a worker thread with its own store connection: following links takes a while."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export{suffix}"
        path.write_bytes(content)
        store = Store.open(services.settings.db_path)
        try:
            with fetcher_for(services.settings) as fetch:
                report = import_board(path, collection, store, extractor, fetch, site=site)
            services.sync_index(store)
        finally:
            store.close()
    return report


@router.post("/import", response_class=HTMLResponse)
async def import_upload(
    request: Request,
    services: ServicesDep,
    asker: Editor,
    datei: Annotated[UploadFile, File()],
    collection: Annotated[str, Form(min_length=1, max_length=200)],
    site: Annotated[str, Form(max_length=500)] = "",
) -> Any:
    limit = round(services.settings.max_upload_bytes / 1e6, 1)
    suffix = Path(datei.filename or "").suffix.lower()
    context: dict[str, Any] = {"limit_mb": limit, "collection": collection, "site": site}
    if suffix not in BOARD_SUFFIXES:
        return _page(request, "staff_import.html", {**context, "problems": ["format"]}, 415)
    if site and not site.startswith(("http://", "https://")):
        return _page(request, "staff_import.html", {**context, "problems": ["site"]}, 422)
    content = await datei.read()
    extractor = services.extractor  # built here: building reads the web's own connection
    if not services.crawl_lock.acquire(blocking=False):
        return _page(request, "staff_import.html", {**context, "problems": ["busy"]}, 409)
    try:
        report = await run_in_threadpool(
            _import, services, extractor, content, suffix, collection.strip(), site or None
        )
    except BoardError as exc:
        return _page(request, "staff_import.html", {**context, "board_error": str(exc)}, 422)
    finally:
        services.crawl_lock.release()
    _audit(
        services,
        asker,
        "board.import",
        collection,
        file=datei.filename or "",
        new=report.new,
        changed=report.changed,
        errors=len(report.errors),
    )
    return _page(request, "staff_import.html", {**context, "report": report})


# -- accounts (admins) -----------------------------------------------------------------------


def _accounts_page(
    request: Request, services: Services, context: dict[str, Any], status: int = 200
) -> Any:
    users = Accounts(services.store).users()
    return _page(
        request, "staff_accounts.html", {"users": users, "roles": ROLES, **context}, status
    )


@router.get("/konten", response_class=HTMLResponse)
async def accounts_page(request: Request, services: ServicesDep, asker: Admin) -> Any:
    return _accounts_page(request, services, {})


@router.post("/konten", response_class=HTMLResponse)
async def account_invite(
    request: Request,
    services: ServicesDep,
    asker: Admin,
    email: Annotated[str, Form(max_length=254)],
    role: Annotated[Literal["member", "editor", "admin"], Form()],
) -> Any:
    try:
        user = Accounts(services.store).add(email, role)
    except AccountError as exc:
        return _accounts_page(request, services, {"problems": [str(exc)]}, 422)
    _audit(services, asker, "account.invite", user.email, role=role)
    try:
        unsent = await send_link(services, user, "invite")
    except MailError:
        log.exception("invitation mail failed")
        return _accounts_page(request, services, {"problems": ["mail"]}, 502)
    if unsent:
        return _accounts_page(request, services, {"invite_link": unsent, "invited": user.email})
    return _done("/staff/konten", "invited")


def _account(services: Services, user_id: int) -> User:
    user = Accounts(services.store).get(user_id)
    if user is None:
        raise HTTPException(404, "account not found")
    return user


UserId = Annotated[int, PathParam(ge=1, le=2**62)]


@router.post("/konten/{user_id}/rolle")
async def account_role(
    services: ServicesDep,
    asker: Admin,
    user_id: UserId,
    role: Annotated[Literal["member", "editor", "admin"], Form()],
) -> Response:
    user = _account(services, user_id)
    if asker.user is not None and user.id == asker.user.id:
        # Never one's own account: so there is always an admin left to undo a mistake.
        return _done("/staff/konten", "not_yourself")
    Accounts(services.store).set_role(user, role)
    _audit(services, asker, "account.role", user.email, old=user.role, new=role)
    return _done("/staff/konten", "role_changed")


@router.post("/konten/{user_id}/status")
async def account_status(
    services: ServicesDep,
    asker: Admin,
    user_id: UserId,
    disabled: Annotated[Literal["0", "1"], Form()],
) -> Response:
    user = _account(services, user_id)
    if asker.user is not None and user.id == asker.user.id:
        return _done("/staff/konten", "not_yourself")
    Accounts(services.store).set_disabled(user, disabled == "1")
    action = "account.disable" if disabled == "1" else "account.enable"
    _audit(services, asker, action, user.email)
    return _done("/staff/konten", "account_disabled" if disabled == "1" else "account_enabled")


@router.get("/protokoll", response_class=HTMLResponse)
async def audit_page(request: Request, services: ServicesDep, asker: Admin) -> Any:
    return _page(request, "staff_audit.html", {"entries": AuditLog(services.store).entries()})


# -- newsletter ------------------------------------------------------------------------------

IssueNumber = Annotated[int, PathParam(ge=1, le=2**31)]


def _issue(services: Services, number: int) -> IssueRecord:
    issue = NewsletterStore(services.store).issue(number)
    if issue is None:
        raise HTTPException(404, "issue not found")
    return issue


@router.get("/newsletter", response_class=HTMLResponse)
async def newsletter_page(request: Request, services: ServicesDep, asker: Editor) -> Any:
    news = NewsletterStore(services.store)
    issues = [(issue, news.send_log(issue)) for issue in news.issues()]
    return _page(
        request,
        "staff_newsletter.html",
        {
            "subscribers": news.subscribers(),
            "issues": [
                (issue, len(issue.items), sum(v == "sent" for v in log.values()))
                for issue, log in issues
            ],
            "mail": bool(services.settings.smtp_host),
        },
    )


@router.post("/newsletter/ausgabe")
async def newsletter_compose(services: ServicesDep, asker: Editor) -> Response:
    news = NewsletterStore(services.store)
    last = news.last_issue()
    if last is not None and last.status != "sent":
        return _done("/staff/newsletter", "nl_unfinished")
    issue = compose_issue(news, services.search)
    if issue is None:
        return _done("/staff/newsletter", "nl_nothing_new")
    _audit(services, asker, "newsletter.compose", f"Nr. {issue.number}", items=len(issue.items))
    return _done("/staff/newsletter", "nl_composed")


def _staff_edition(issue: IssueRecord, version: str) -> Any:
    items = [Item.from_json(i) for i in issue.items]
    date = issue.composed_at[:10]
    if version == "oeffentlich":
        return public_edition(issue.number, date, items)
    return personalise(issue.number, date, items, Preferences(), member=True, matches={})


def _sample_links(services: Services, number: int) -> ReaderLinks:
    """Staff previews are nobody's: their personal links lead to the subscription page."""
    base = services.settings.base_url.rstrip("/")
    page = f"{base}/newsletter"
    return ReaderLinks(page, page, newsletter_links.archive_url(base, number))


@router.get("/newsletter/vorschau/{number}", response_class=HTMLResponse)
async def newsletter_preview(
    services: ServicesDep,
    asker: Editor,
    number: IssueNumber,
    fassung: Annotated[Literal["mitglied", "oeffentlich"], Query()] = "mitglied",
) -> Any:
    """The mail's HTML as a mail client shows it (its own CSP allows the inline styles)."""
    issue = _issue(services, number)
    return HTMLResponse(
        render_html(_staff_edition(issue, fassung), _sample_links(services, number))
    )


@router.post("/newsletter/{number}/testmail")
async def newsletter_test_mail(
    services: ServicesDep, asker: Editor, number: IssueNumber
) -> Response:
    """The members' edition as a mail to the asker, with the links of a sample reader."""
    issue = _issue(services, number)
    settings = services.settings
    if not settings.smtp_host or asker.user is None:
        return _done("/staff/newsletter", "nl_no_mail")
    message = build_message(
        _staff_edition(issue, "mitglied"),
        sender=settings.mail_from,
        recipient=asker.user.email,
        links=_sample_links(services, number),
        message_id=f"<newsletter-{number}-preview-{asker.user.id}@kb.invalid>",
        list_id="DEFUS-Newsletter <newsletter.preview.invalid>",
        now=NewsletterStore(services.store).now(),
    )

    def send() -> None:
        with smtp_connector(settings)() as smtp:
            smtp.send_message(message)

    try:
        await run_in_threadpool(send)
    except (OSError, smtplib.SMTPException):
        log.exception("newsletter preview mail failed")
        return _done("/staff/newsletter", "nl_no_mail")
    _audit(services, asker, "newsletter.preview_mail", f"Nr. {number}")
    return _done("/staff/newsletter", "nl_mailed")


@router.post("/newsletter/{number}/senden")
async def newsletter_send(services: ServicesDep, asker: Editor, number: IssueNumber) -> Response:
    """Send (or resume) the issue in a thread with its own store connection."""
    issue = _issue(services, number)
    if not services.settings.smtp_host:
        return _done("/staff/newsletter", "nl_no_mail")
    if not services.newsletter_lock.acquire(blocking=False):
        return _done("/staff/newsletter", "nl_busy")

    def work() -> None:
        try:
            store = Store.open(services.settings.db_path)
            try:
                news = NewsletterStore(store)
                report = Sender(news, services.settings, services.key).send(issue)
                log.info("newsletter: %s", report.render())
            finally:
                store.close()
        except Exception:
            log.exception("newsletter %s broke off; sending again resumes it", number)
        finally:
            services.newsletter_lock.release()

    threading.Thread(target=work, name=f"newsletter-{number}", daemon=True).start()
    _audit(services, asker, "newsletter.send", f"Nr. {number}")
    return _done("/staff/newsletter", "nl_sending")
