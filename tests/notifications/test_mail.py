"""Outgoing mail: the outbox is drained after commit, through a real (local) SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app import migrate
from app.cli import cli
from app.kit import mail
from app.models import OutboxMessage, OutboxStatus, Role
from tests.fake_oidc import free_port
from tests.support import PASSWORD, WebClient, make_org, make_user


class Inbox(Message):
    """Collects every message the fake SMTP server receives."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp(settings) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.mail_backend = "smtp"
    settings.smtp_host, settings.smtp_port = "127.0.0.1", port
    yield inbox
    controller.stop()


def test_sign_up_mail_is_delivered_over_smtp_after_commit(web: WebClient, db, smtp) -> None:
    web.post("/signup", {"email": "nia@school.org", "display_name": "Nia", "password": PASSWORD})
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "nia@school.org"
    assert message["Subject"] == "Confirm your e-mail address for Laurel"
    assert "/verify-email?token=" in message.get_payload()
    db.expire_all()
    row = db.scalar(select(OutboxMessage))
    assert row.status == OutboxStatus.SENT
    assert row.attempts == 1


def test_failed_request_queues_no_mail(web: WebClient, db, smtp) -> None:
    web.post("/signup", {"email": "nia@school.org", "display_name": "Nia", "password": "short"})
    assert smtp.messages == []
    assert db.scalar(select(OutboxMessage)) is None


def test_unreachable_smtp_server_keeps_the_message_for_a_retry(db, settings, session_factory):
    settings.mail_backend = "smtp"
    settings.smtp_host, settings.smtp_port = "127.0.0.1", free_port()  # nobody listens
    mail.queue_email(
        db,
        settings,
        "x@school.org",
        "email_changed",
        user=type("U", (), {"display_name": "X"})(),
        new_email="y@school.org",
    )
    db.commit()
    assert mail.drain_outbox(session_factory, settings) == 0
    db.expire_all()
    row = db.scalar(select(OutboxMessage))
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error


def test_each_message_is_sent_once_even_when_drained_twice(db, settings, session_factory, smtp):
    for n in range(3):
        mail.queue_email(
            db,
            settings,
            f"p{n}@school.org",
            "email_changed",
            user=type("U", (), {"display_name": "P"})(),
            new_email="z@school.org",
        )
    db.commit()
    assert mail.drain_outbox(session_factory, settings) == 3
    assert mail.drain_outbox(session_factory, settings) == 0
    assert sorted(m["To"] for m in smtp.messages) == [
        "p0@school.org",
        "p1@school.org",
        "p2@school.org",
    ]


class Clock:
    """The time as the outbox sees it; moves only when the test moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class OutageServer:
    """An SMTP address on 127.0.0.1 that refuses connections until ``recover()`` starts a server."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()  # nobody listens here yet
        self.controller: Controller | None = None

    def recover(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()


@pytest.fixture
def outage(settings) -> Iterator[OutageServer]:
    server = OutageServer()
    settings.mail_backend = "smtp"
    settings.smtp_host, settings.smtp_port = "127.0.0.1", server.port
    settings.mail_drain_after_request = False  # the test drains, with its own clock
    yield server
    if server.controller:
        server.controller.stop()


def _reset_mail(web: WebClient, db, email: str) -> tuple[OutboxMessage, Clock]:
    """Ask for a password reset link; the queued message and a clock set to when it is due."""
    make_user(db, email)
    assert web.post("/password/forgot", {"email": email}).status_code == 200
    message = web.last_mail(email)
    assert message.status == OutboxStatus.PENDING
    return message, Clock(message.next_attempt_at)


def _reload(db, message: OutboxMessage) -> OutboxMessage:
    db.expire_all()
    return db.get_one(OutboxMessage, message.id)


def test_reset_mail_is_delivered_after_an_smtp_outage(
    web: WebClient, db, session_factory, settings, outage
) -> None:
    message, clock = _reset_mail(web, db, "nia@school.org")
    delays = []
    for attempt in range(1, 5):
        assert mail.drain_outbox(session_factory, settings, clock=clock) == 0
        row = _reload(db, message)
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, attempt)
        assert "ConnectionRefusedError" in row.last_error
        delays.append(row.next_attempt_at - clock.now)
        clock.now = row.next_attempt_at - timedelta(seconds=1)
        assert mail.drain_outbox(session_factory, settings, clock=clock) == 0  # not due yet
        assert _reload(db, message).attempts == attempt
        clock.now = row.next_attempt_at
    assert delays == [timedelta(seconds=s) for s in (30, 60, 120, 240)]

    outage.recover()
    assert mail.drain_outbox(session_factory, settings, clock=clock) == 1
    row = _reload(db, message)
    assert (row.status, row.attempts, row.sent_at) == (OutboxStatus.SENT, 5, clock.now)
    assert [m["To"] for m in outage.inbox.messages] == ["nia@school.org"]
    assert "/password/reset?token=" in outage.inbox.messages[0].get_payload()


def _fail_for_good(
    db, session_factory, settings, message: OutboxMessage, clock: Clock
) -> timedelta:
    """Let every attempt fail; returns how long the outbox kept trying."""
    start = clock.now
    for _ in range(mail.MAX_ATTEMPTS):
        assert mail.drain_outbox(session_factory, settings, clock=clock) == 0
        clock.now = _reload(db, message).next_attempt_at
    return clock.now - start


def test_mail_fails_for_good_only_after_hours_of_retries(
    web: WebClient, db, session_factory, settings, outage
) -> None:
    message, clock = _reset_mail(web, db, "nia@school.org")
    kept_trying = _fail_for_good(db, session_factory, settings, message, clock)
    row = _reload(db, message)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, mail.MAX_ATTEMPTS)
    assert timedelta(hours=4) < kept_trying < timedelta(hours=6)
    clock.now += timedelta(days=1)
    assert mail.drain_outbox(session_factory, settings, clock=clock) == 0
    assert _reload(db, message).attempts == mail.MAX_ATTEMPTS


@pytest.fixture
def failed_reset_mail(web: WebClient, db, session_factory, settings, outage) -> OutboxMessage:
    """A password reset message that failed every attempt (its body holds a reset token)."""
    message, clock = _reset_mail(web, db, "nia@school.org")
    _fail_for_good(db, session_factory, settings, message, clock)
    row = _reload(db, message)
    assert row.status == OutboxStatus.FAILED
    return row


def test_platform_admins_see_failed_mail_without_its_body(
    web: WebClient, db, failed_reset_mail
) -> None:
    make_user(db, "root@laurel.org", platform_admin=True)
    web.sign_in("root@laurel.org")
    page = web.get("/admin/mail")
    assert page.status_code == 200
    assert "nia@school.org" in page.text
    assert "Reset your Laurel password" in page.text
    assert f"<td>{mail.MAX_ATTEMPTS}</td>" in page.text
    assert "ConnectionRefusedError" in page.text
    token = failed_reset_mail.body_text.split("token=")[1].split()[0]
    assert token not in page.text
    assert "Choose a new password" not in page.text


@pytest.mark.parametrize("who", ["admin@riverbend.org", "teacher@riverbend.org"])
def test_only_platform_admins_see_or_retry_failed_mail(
    web: WebClient, db, failed_reset_mail, who
) -> None:
    make_user(
        db, who, org=make_org(db), role=Role.ADMIN if who.startswith("admin") else Role.TEACHER
    )
    web.sign_in(who)
    assert web.get("/admin/mail").status_code == 403
    assert web.post(f"/admin/mail/{failed_reset_mail.id}/retry").status_code == 403
    assert web.post("/admin/mail/retry").status_code == 403
    row = _reload(db, failed_reset_mail)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, mail.MAX_ATTEMPTS)


def test_retry_needs_the_form_token(web: WebClient, db, failed_reset_mail) -> None:
    make_user(db, "root@laurel.org", platform_admin=True)
    web.sign_in("root@laurel.org")
    response = web.post(f"/admin/mail/{failed_reset_mail.id}/retry", with_csrf=False)
    assert response.status_code == 403
    assert _reload(db, failed_reset_mail).status == OutboxStatus.FAILED


def test_the_retry_button_delivers_failed_mail_once_smtp_is_back(
    web: WebClient, db, settings, failed_reset_mail, outage
) -> None:
    make_user(db, "root@laurel.org", platform_admin=True)
    web.sign_in("root@laurel.org")
    outage.recover()
    settings.mail_drain_after_request = True
    response = web.post(f"/admin/mail/{failed_reset_mail.id}/retry")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/mail"
    row = _reload(db, failed_reset_mail)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)
    assert [m["To"] for m in outage.inbox.messages] == ["nia@school.org"]
    assert "No mail has failed" in web.get("/admin/mail").text


def test_cli_puts_failed_mail_back_in_the_queue(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'mail.db'}"
    monkeypatch.setenv("LAUREL_DATABASE_URL", url)
    monkeypatch.setenv("LAUREL_DATA_DIR", str(tmp_path))
    migrate.upgrade(url)
    engine = create_engine(url)
    with Session(engine) as db:
        statuses = [OutboxStatus.FAILED, OutboxStatus.FAILED, OutboxStatus.SENT]
        for n, status in enumerate(statuses):
            db.add(
                OutboxMessage(
                    to_address=f"p{n}@school.org",
                    subject="Hi",
                    body_text="Hi\n",
                    status=status,
                    attempts=mail.MAX_ATTEMPTS,
                )
            )
        db.commit()
    result = CliRunner().invoke(cli, ["mail", "retry-failed"])
    assert result.exit_code == 0, result.output
    assert "Queued 2 failed message(s) again" in result.output
    with Session(engine) as db:
        rows = db.scalars(select(OutboxMessage).order_by(OutboxMessage.to_address)).all()
        assert [(r.status, r.attempts) for r in rows] == [
            (OutboxStatus.PENDING, 0),
            (OutboxStatus.PENDING, 0),
            (OutboxStatus.SENT, mail.MAX_ATTEMPTS),
        ]
    engine.dispose()


def test_the_console_prints_each_link_decoded_on_one_line(capsys) -> None:
    token = "Zq3x-" + "a1b2c3d4" * 12
    reset = f"http://127.0.0.1:8000/password/reset?token={token}&next=%2Faccount"
    message = EmailMessage()
    message["To"] = "ada@school.org"
    message["Subject"] = "Reset your password"
    message.set_content(
        f"Open {reset}.\nOr sign in at http://127.0.0.1:8000/signin, then {reset} again.\n",
        cte="quoted-printable",
    )
    mail.ConsoleBackend().send(message)
    printed = capsys.readouterr().err
    raw, links = printed.split("Links in this message, to copy:\n")
    assert "token=3D" in raw  # the message itself stays as it is sent
    assert links.splitlines() == [f"  {reset}", "  http://127.0.0.1:8000/signin"]


def test_the_console_prints_no_link_section_for_a_message_without_links(capsys) -> None:
    message = EmailMessage()
    message["To"] = "ada@school.org"
    message.set_content("Nothing to open.\n")
    mail.ConsoleBackend().send(message)
    assert "Links in this message" not in capsys.readouterr().err
