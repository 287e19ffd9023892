"""E-mail: messages are queued in the outbox inside the transaction and sent after commit."""

from __future__ import annotations

import logging
import smtplib
import sys
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import utcnow
from app.models import OutboxMessage, OutboxStatus
from app.settings import Settings, project_path

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=10)
OUTBOX_DIRTY = "outbox_dirty"

_emails = Environment(
    loader=FileSystemLoader(project_path("templates") / "emails"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def queue_email(
    db: Session, settings: Settings, to: str, template: str, **context: Any
) -> OutboxMessage:
    """Render ``templates/emails/<template>.txt`` (first line is the subject) and queue it."""
    context.setdefault("base_url", settings.base_url)
    subject, _, body = _emails.get_template(f"{template}.txt").render(**context).partition("\n")
    message = OutboxMessage(
        to_address=to, subject=subject.strip(), body_text=body.strip() + "\n", body_html=None
    )
    db.add(message)
    db.info[OUTBOX_DIRTY] = True
    return message


class MailBackend(Protocol):
    """Something that delivers one message or raises."""

    def send(self, message: EmailMessage) -> None: ...


class ConsoleBackend:
    """Development backend: writes each message to standard error instead of sending it."""

    def send(self, message: EmailMessage) -> None:
        sys.stderr.write(f"\n----- e-mail -----\n{message}\n------------------\n")


class SmtpBackend:
    """Delivers through an SMTP server (optionally STARTTLS and login)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username and s.smtp_password:
                smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
            smtp.send_message(message)


def backend_for(settings: Settings) -> MailBackend:
    """The backend the settings choose."""
    return SmtpBackend(settings) if settings.mail_backend == "smtp" else ConsoleBackend()


def drain_outbox(
    session_factory: sessionmaker[Session], settings: Settings, *, limit: int = 100
) -> int:
    """Send pending messages; safe with many processes (each row is claimed once). Returns sent.

    Claiming a message and recording its outcome are short transactions of their own: no
    transaction, lock or pooled connection is held while the mail server is talked to."""
    backend = backend_for(settings)
    sent = 0
    with session_factory() as db:
        candidates = db.scalars(
            select(OutboxMessage.id)
            .where(_sendable())
            .order_by(OutboxMessage.created_at)
            .limit(limit)
        ).all()
    for message_id in candidates:
        claimed = _claim(session_factory, settings, message_id)
        if claimed is not None:
            sent += _deliver(session_factory, backend, message_id, *claimed)
    return sent


def _sendable() -> Any:
    stale = utcnow() - STALE_CLAIM
    return (OutboxMessage.status == OutboxStatus.PENDING) | (
        (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_at < stale)
    )


def _claim(
    sessions: sessionmaker[Session], settings: Settings, message_id: uuid.UUID
) -> tuple[EmailMessage, int] | None:
    """Mark the message as being sent (counting the attempt); the e-mail and its attempt number,
    or None when another sender claimed it first."""
    with sessions() as db:
        claimed = db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _sendable())
            .values(
                status=OutboxStatus.SENDING,
                claimed_at=utcnow(),
                attempts=OutboxMessage.attempts + 1,
            )
        ).rowcount  # type: ignore[attr-defined]
        if not claimed:
            return None
        message = db.get_one(OutboxMessage, message_id)
        email = EmailMessage()
        email["From"] = settings.mail_from
        email["To"] = message.to_address
        email["Subject"] = message.subject
        email["Message-ID"] = make_msgid(domain="laurel.local")
        email.set_content(message.body_text)
        attempts = message.attempts
        db.commit()
    return email, attempts


def _deliver(
    sessions: sessionmaker[Session],
    backend: MailBackend,
    message_id: uuid.UUID,
    email: EmailMessage,
    attempts: int,
) -> int:
    try:
        backend.send(email)
    except (OSError, smtplib.SMTPException) as exc:
        status = OutboxStatus.FAILED if attempts >= MAX_ATTEMPTS else OutboxStatus.PENDING
        log.warning("mail delivery failed", extra={"outbox_id": str(message_id)})
        _record(
            sessions, message_id, status=status, last_error=f"{type(exc).__name__}: {exc}"[:500]
        )
        return 0
    _record(sessions, message_id, status=OutboxStatus.SENT, sent_at=utcnow())
    return 1


def _record(sessions: sessionmaker[Session], message_id: uuid.UUID, **values: Any) -> None:
    with sessions() as db:
        db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
        db.commit()
