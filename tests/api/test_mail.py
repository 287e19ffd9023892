"""Outgoing mail: the outbox is drained after commit, through a real (local) SMTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import select

from app.models import OutboxMessage, OutboxStatus
from app.services import mail
from tests.fake_oidc import free_port
from tests.support import PASSWORD, WebClient


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
