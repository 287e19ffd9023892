"""The `laurel` command: serve, migrate, create-admin, seed-demo, worker, mail, digest, keys, issue,
verify, remind-expiring, privacy, storage."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from app import migrate as migrations
from app import server
from app.db import make_engine, make_session_factory
from app.errors import AppError
from app.logging import configure_logging
from app.models import Organization
from app.server import ServerConfig
from app.settings import Settings, SettingsError, get_settings

cli = typer.Typer(
    help="Laurel: professional learning and Open Badges 3.0 credentials.", no_args_is_help=True
)
console = Console()


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes")] = None,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development)")] = False,
) -> None:
    """Serve the web application."""
    settings = get_settings()
    try:
        settings.validate_for_startup()
    except SettingsError as exc:
        console.print(f"[red]Cannot start:[/red] {exc}")
        raise typer.Exit(2) from exc
    configure_logging(settings.log_level, settings.log_json)
    config = ServerConfig(
        "app.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        reload=reload,
        proxy_headers=True,
        log_config=None,
    )
    server.serve(config)


@cli.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Apply database migrations (run before starting new code)."""
    settings = get_settings()
    migrations.upgrade(settings.database_url, revision)
    console.print(f"Database migrated to [bold]{revision}[/bold].")


@cli.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True, help="The administrator's e-mail")],
    name: Annotated[str, typer.Option(prompt=True, help="Their display name")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Create a platform administrator (or promote an existing account)."""
    from app.services.identity import platform

    factory = _sessions(get_settings())
    with factory() as db:
        try:
            user = platform.create_platform_admin(db, email=email, name=name, password=password)
        except AppError as exc:
            console.print(f"[red]{exc.detail}[/red]")
            raise typer.Exit(1) from exc
        db.commit()
        console.print(f"{user.email} is a platform administrator.")


@cli.command("seed-demo")
def seed_demo() -> None:
    """Create the demo district and accounts (idempotent) and print the logins."""
    from app.demo.district import DEMO_ORG_SLUG
    from app.demo.district import seed_demo as seed

    settings = get_settings()
    factory = _sessions(settings)
    with factory() as db:
        accounts = seed(db, settings)
        db.commit()
    table = Table(title=f"Demo logins ({DEMO_ORG_SLUG}) at {settings.base_url}")
    for column in ("role", "e-mail", "password"):
        table.add_column(column)
    for account in accounts:
        table.add_row(account.role.value, account.email, account.password)
    console.print(table)
    for account in accounts:
        print(f"demo login: {account.role.value:8} {account.email:30} {account.password}")


@cli.command("seed-scale")
def seed_scale(
    modules: Annotated[int, typer.Option(help="Published modules")] = 500,
    teachers: Annotated[int, typer.Option(help="Teachers")] = 5000,
    enrollments: Annotated[int, typer.Option(help="Enrollments")] = 50_000,
) -> None:
    """Add a large synthetic organization for performance tests (not for production)."""
    from app.demo.seed_scale import seed_scale as seed

    factory = _sessions(get_settings())
    with factory() as db:
        result = seed(db, modules=modules, teachers=teachers, enrollments=enrollments)
        db.commit()
    console.print(
        f"Seeded {result.organization_slug}: {result.modules} modules, {result.teachers} teachers, "
        f"{result.enrollments} enrollments. Sign in as {result.sample_email} / {result.password}."
    )


@cli.command()
def worker(
    once: Annotated[bool, typer.Option(help="Drain the outbox once and exit")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between polls")] = 5.0,
) -> None:
    """Send queued e-mail and build data exports; hourly, the rest of the scheduled privacy work
    (safe to run in several processes at once)."""
    from app.kit.mail import drain_outbox
    from app.services.privacy import exports, scheduled

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    factory = _sessions(settings)
    last_privacy_run: float | None = None
    while True:
        sent = drain_outbox(factory, settings)
        built = exports.build_pending_exports(factory, settings)
        if (
            last_privacy_run is None
            or time.monotonic() - last_privacy_run > PRIVACY_RUN_EVERY_SECONDS
        ):
            scheduled.run(factory, settings)
            last_privacy_run = time.monotonic()
        if once:
            console.print(f"Sent {sent} message(s); built {built} data export(s).")
            return
        time.sleep(0 if sent or built else interval)


PRIVACY_RUN_EVERY_SECONDS = 3600.0


mail_cli = typer.Typer(help="Outgoing e-mail.", no_args_is_help=True)
cli.add_typer(mail_cli, name="mail")


@mail_cli.command("retry-failed")
def retry_failed_mail() -> None:
    """Queue every message that failed all its attempts again; `laurel worker` sends them."""
    from app.services.notifications.mail_failures import retry_failed

    with _sessions(get_settings())() as db:
        queued = retry_failed(db)
        db.commit()
    console.print(f"Queued {queued} failed message(s) again; `laurel worker` sends them.")


def _sessions(settings: Settings) -> sessionmaker[Session]:
    """Sessions on the configured database."""
    return make_session_factory(make_engine(settings.database_url))


def _organization_or_exit(db: Session, slug: str) -> Organization:
    from app.services.orgs import organizations

    try:
        return organizations.get_by_slug(db, slug)
    except AppError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from exc


keys_cli = typer.Typer(help="Issuer signing keys.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")


@keys_cli.command("rotate")
def rotate_keys(org: Annotated[str, typer.Option(help="The organization's short name")]) -> None:
    """Retire an organization's signing keys for new credentials and create fresh ones.

    Retired keys stay in the DID document and JWKS, so earlier credentials keep verifying.
    """
    from app.services.credentials import issuer

    settings = get_settings()
    with _sessions(settings)() as db:
        organization = _organization_or_exit(db, org)
        fresh = issuer.rotate_keys(db, settings, organization, None)
        db.commit()
    console.print(f"New signing keys for {org}: " + ", ".join(k.key_id for k in fresh))


@cli.command()
def verify(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON, JWT or image")],
    email: Annotated[str | None, typer.Option(help="Check the recipient's e-mail")] = None,
) -> None:
    """Verify a credential file as the public API does; print the result as JSON."""
    from app.services.credentials.remote_documents import DocumentCache
    from app.services.credentials.verification import verify_credential

    settings = get_settings()
    factory = _sessions(settings)
    with factory() as db:
        try:
            report = verify_credential(db, settings, DocumentCache(0), file.read_bytes(), email)
        except AppError as exc:
            console.print(f"[red]{exc.detail}[/red]")
            raise typer.Exit(2) from exc
        db.commit()
    print(json.dumps({k: v for k, v in report.to_json().items() if k != "credential"}, indent=2))
    raise typer.Exit(0 if report.valid else 1)


@cli.command("issue")
def issue_bulk(
    org: Annotated[str, typer.Option(help="The issuing organization's short name")],
    achievement: Annotated[Path, typer.Option(exists=True, help="Achievement JSON file")],
    recipients: Annotated[Path, typer.Option(exists=True, help="CSV: email[,narrative,...]")],
) -> None:
    """Issue a credential to every recipient of a CSV file, with a progress bar.

    Every row is checked first and all problems are reported at once; nothing is issued then.
    Running the same file again issues nothing twice.
    """
    from rich.progress import Progress

    from app.services.credentials import bulk_issue

    settings = get_settings()
    try:
        spec = bulk_issue.load_achievement(achievement.read_text())
        rows = bulk_issue.parse_recipients(recipients.read_text(encoding="utf-8-sig"))
    except AppError as exc:
        for line in getattr(exc, "problems", [exc.detail]):
            console.print(f"[red]{line}[/red]")
        raise typer.Exit(1) from exc
    with _sessions(settings)() as db, Progress(console=console) as progress:
        organization = _organization_or_exit(db, org)
        task = progress.add_task(f"Issuing {spec.name}", total=len(rows))
        issued = list(
            bulk_issue.issue_all(
                db, settings, organization, spec, rows, lambda n: progress.advance(task, n)
            )
        )
        db.commit()
    console.print(f"Issued {len(issued)} credential(s) of {spec.name}.")


@cli.command("remind-expiring")
def remind_expiring() -> None:
    """E-mail holders whose credentials expire within 30 days (run daily; each is reminded once)."""
    from app.kit.mail import drain_outbox
    from app.services.credentials.lifecycle import send_expiry_reminders

    settings = get_settings()
    factory = _sessions(settings)
    with factory() as db:
        count = send_expiry_reminders(db, settings)
        db.commit()
    drain_outbox(factory, settings)
    console.print(f"Queued {count} expiry reminder(s).")


class DigestPeriod(StrEnum):
    """How far back a digest looks."""

    DAILY = "daily"
    WEEKLY = "weekly"


@cli.command()
def digest(
    period: Annotated[DigestPeriod, typer.Option(help="Who gets it: daily or weekly readers")],
) -> None:
    """Queue the community digest for everyone who chose this period (schedule it with cron)."""
    from app.services.communities.digest import send_digests

    settings = get_settings()
    with _sessions(settings)() as db:
        queued = send_digests(db, settings, period.value)
        db.commit()
    console.print(f"Queued {queued} digest e-mail(s); `laurel worker` sends them.")


privacy_cli = typer.Typer(help="Data exports, account deletion, retention.", no_args_is_help=True)
cli.add_typer(privacy_cli, name="privacy")


@privacy_cli.command("run")
def privacy_run() -> None:
    """Build waiting data exports, remove expired ones, erase accounts past their grace period
    and delete evidence files past each organization's retention (run it hourly)."""
    from app.services.privacy import scheduled

    settings = get_settings()
    report = scheduled.run(_sessions(settings), settings)
    console.print(
        f"Built {report.exports_built} data export(s), removed {report.exports_expired} "
        f"expired one(s), erased {report.accounts_erased} account(s), removed "
        f"{report.evidence_files_removed} evidence file(s) under retention."
    )


storage_cli = typer.Typer(help="Stored files (local disk or S3).", no_args_is_help=True)
cli.add_typer(storage_cli, name="storage")


@storage_cli.command("clean-orphans")
def clean_orphans(
    dry_run: Annotated[bool, typer.Option(help="Only report what would be removed")] = False,
    older_than_hours: Annotated[
        float | None,
        typer.Option(min=0, help="Grace period (default LAUREL_STORAGE_ORPHAN_GRACE_HOURS, 24)"),
    ] = None,
) -> None:
    """Remove stored files that no row points to and that are older than the grace period."""
    from datetime import timedelta

    from app.kit.storage import storage_for
    from app.kit.storage_gc import clean_orphans as clean

    settings = get_settings()
    hours = settings.storage_orphan_grace_hours if older_than_hours is None else older_than_hours
    with _sessions(settings)() as db:
        report = clean(
            db, storage_for(settings), older_than=timedelta(hours=hours), dry_run=dry_run
        )
    table = Table(title=f"Stored files ({settings.storage_backend}), grace {hours:g} h")
    table.add_column("files")
    table.add_column("count", justify="right")
    table.add_row("scanned", str(report.scanned))
    table.add_row("referenced by a row", str(report.referenced))
    table.add_row("younger than the grace period", str(report.young))
    table.add_row("orphans", str(len(report.orphans)))
    console.print(table)
    size = _size(report.orphan_bytes)
    if dry_run:
        console.print(f"Dry run: would remove {len(report.orphans)} orphan file(s), {size}.")
    else:
        console.print(f"Removed {report.removed} orphan file(s), {size}.")


def _size(count: int) -> str:
    if count < 1024:
        return f"{count:,} bytes"
    value = count / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def main() -> None:
    """Entry point of the `laurel` console script."""
    cli()
