"""Staff: newsletter subscribers and issues; compose a draft, preview it as members or the
public get it, mail the preview to oneself, send."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from kb.newsletter_store import IssueRecord, NewsletterStore
from ops.errors import BusyError, InvalidError, NotFoundError
from ops.mail import MailError
from ops.newsletter import issues
from ops.newsletter.compose import render_html
from ops.services import Services
from web.deps import Editor, ServicesDep
from web.routes.staff.pages import done, page

log = logging.getLogger(__name__)

router = APIRouter()
IssueNumber = Annotated[int, PathParam(ge=1, le=2**31)]


def _issue(services: Services, number: int) -> IssueRecord:
    try:
        return issues.issue(services, number)
    except NotFoundError as exc:
        raise HTTPException(404, "issue not found") from exc


@router.get("/newsletter", response_class=HTMLResponse)
def newsletter_page(request: Request, services: ServicesDep, asker: Editor) -> Any:
    news = NewsletterStore(services.store)
    listed = [(issue, news.send_log(issue)) for issue in news.issues()]
    return page(
        request,
        "staff_newsletter.html",
        {
            "subscribers": news.subscribers(),
            "issues": [
                (issue, len(issue.items), sum(v == "sent" for v in log.values()))
                for issue, log in listed
            ],
            "mail": bool(services.settings.smtp_host),
        },
    )


@router.post("/newsletter/ausgabe")
def newsletter_compose(services: ServicesDep, asker: Editor) -> Response:
    try:
        issues.compose_next(services, asker)
    except InvalidError:
        return done("/staff/newsletter", "nl_unfinished")
    except NotFoundError:
        return done("/staff/newsletter", "nl_nothing_new")
    return done("/staff/newsletter", "nl_composed")


@router.get("/newsletter/vorschau/{number}", response_class=HTMLResponse)
def newsletter_preview(
    services: ServicesDep,
    asker: Editor,
    number: IssueNumber,
    fassung: Annotated[Literal["mitglied", "oeffentlich"], Query()] = "mitglied",
) -> Any:
    """The mail's HTML as a mail client shows it (its own CSP allows the inline styles)."""
    edition = issues.edition_of(_issue(services, number), public=fassung == "oeffentlich")
    return HTMLResponse(render_html(edition, issues.sample_links(services, number)))


@router.post("/newsletter/{number}/testmail")
def newsletter_test_mail(services: ServicesDep, asker: Editor, number: IssueNumber) -> Response:
    """The members' edition as a mail to the asker, with the links of a sample reader."""
    _issue(services, number)
    try:
        issues.mail_preview(services, asker, number)
    except MailError:
        log.exception("newsletter preview mail failed")
        return done("/staff/newsletter", "nl_no_mail")
    return done("/staff/newsletter", "nl_mailed")


@router.post("/newsletter/{number}/senden")
def newsletter_send(services: ServicesDep, asker: Editor, number: IssueNumber) -> Response:
    """Send (or resume) the issue in the background."""
    _issue(services, number)
    try:
        issues.send_in_background(services, asker, number)
    except MailError:
        return done("/staff/newsletter", "nl_no_mail")
    except BusyError:
        return done("/staff/newsletter", "nl_busy")
    return done("/staff/newsletter", "nl_sending")
