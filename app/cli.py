"""The `laurel` command: serve, migrate, create-admin, seed-demo, worker."""

from __future__ import annotations

import time
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from app import migrate as migrations
from app.db import make_engine, make_session_factory
from app.errors import AppError
from app.logging import configure_logging
from app.settings import SettingsError, get_settings

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
    uvicorn.run(
        "app.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        reload=reload,
        proxy_headers=True,
        log_config=None,
    )


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
    from app.services import platform

    factory = make_session_factory(make_engine(get_settings().database_url))
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
    from app.services.demo import DEMO_ORG_SLUG
    from app.services.demo import seed_demo as seed

    settings = get_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    with factory() as db:
        accounts = seed(db)
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
    from app.services.seed_scale import seed_scale as seed

    factory = make_session_factory(make_engine(get_settings().database_url))
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
    """Send queued e-mail (safe to run in several processes at once)."""
    from app.services.mail import drain_outbox

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    factory = make_session_factory(make_engine(settings.database_url))
    while True:
        sent = drain_outbox(factory, settings)
        if once:
            console.print(f"Sent {sent} message(s).")
            return
        time.sleep(0 if sent else interval)


def main() -> None:
    """Entry point of the `laurel` console script."""
    cli()
