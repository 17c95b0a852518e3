"""``kb serve`` and ``kb demo``: the web UI and API, with the service's scheduler."""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import configure_logging, fail

if TYPE_CHECKING:
    from ops.services import Services


def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=16, help="Processes serving requests; one runs the jobs.")
    ] = 1,
) -> None:
    """Serve the web UI and the API."""
    from kb.settings import Settings
    from ops.services import Services

    configure_logging(service=True)
    settings = Settings()
    host, port = host or settings.host, port or settings.port
    if settings.password_hashing != "argon2id":
        logging.getLogger(__name__).warning(
            "passwords are hashed for tests (KB_PASSWORD_HASHING): never in service"
        )
    # Once, before any worker starts: an older store is backed up and migrated, and the index
    # takes in what changed meanwhile (rebuilt when this release indexes otherwise).
    services = Services.open(settings)
    services.sync()
    if workers == 1:
        _serve(services, host, port)
        return
    services.close()
    from web.workers import serve as serve_workers

    typer.echo(f"Web UI: http://{host}:{port}/  ({workers} worker processes)")
    serve_workers(host, port, workers)


def _serve(services: Services, host: str, port: int) -> None:
    import uvicorn

    from web.app import create_app
    from web.proxies import server_options

    typer.echo(f"Web UI: http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    app = create_app(services, scheduler=True)  # the newsletter and crawls run while serving
    options = server_options(services.settings)
    # Uvicorn's lines go through the service's log (`kb.logs`); requests are logged by the app.
    uvicorn.run(
        app, host=host, port=port, log_level="warning", log_config=None, access_log=False, **options
    )


def demo(
    port: Annotated[int | None, typer.Option(help="Port of the web UI.")] = None,
) -> None:
    """Start the bundled demo site, crawl and index it, and serve the web UI."""
    from cli.documents import run_crawl
    from kb.settings import Settings
    from ops.demo import CREDENTIALS, MEMBER, SOURCE_COLLECTION, demo_sources, member_password
    from ops.demo.server import DemoSite
    from ops.services import Services

    settings = Settings()
    ui_port = port or settings.port
    # Before anything else: a demo that cannot serve must not crawl or change the password
    # that a running demo printed.
    for needed in (settings.host, ui_port), ("127.0.0.1", settings.demo_site_port):
        if not _free(*needed):
            raise fail(f"port {needed[1]} is in use: is a demo or another service running?")
    # The demo site is ours and on loopback: no need to wait between requests.
    services = Services.open(settings.model_copy(update={"crawl_delay": 0.0}))
    try:
        site = DemoSite(port=settings.demo_site_port).start()
    except OSError as exc:
        raise fail(f"demo site port {settings.demo_site_port} unavailable: {exc}") from exc
    typer.echo(f"Demo site: {site.base_url}/")
    sources = demo_sources(site.base_url)
    for source in sources:
        services.store.add_source(source)
    try:
        typer.echo("Crawling the demo site …")
        report = run_crawl(services, sources, {SOURCE_COLLECTION: CREDENTIALS})
        typer.echo(report.render())
        password = member_password(services)
        typer.echo(f"Members-only content: log in as {MEMBER} with password {password}")
        configure_logging(service=True)  # from now on: the crawl's lines would break its bar
        _serve(services, settings.host, ui_port)
    finally:
        site.stop()


def _free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now (port 0: any free one)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
