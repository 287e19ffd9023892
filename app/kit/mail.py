"""E-mail: messages are queued in the outbox inside the transaction and sent after commit."""

from __future__ import annotations

import logging
import re
import smtplib
import sys
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import utcnow
from app.kit import i18n, rate_limits
from app.kit.tokens import token_hash
from app.models import OutboxMessage, OutboxStatus
from app.settings import Settings, project_path

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # about five hours of retries with the delays below, then failed
FIRST_RETRY_DELAY = timedelta(seconds=30)
MAX_RETRY_DELAY = timedelta(hours=1)
STALE_CLAIM = timedelta(minutes=10)
OUTBOX_DIRTY = "outbox_dirty"
HOUR = 3600
#: The one-time secrets in Laurel's links: ``?token=<secret>`` and ``/invitations/<secret>``.
ONE_TIME_SECRET = re.compile(r"(?<=[?&]token=)[\w.-]+|(?<=/invitations/)[\w.-]+")
REDACTED = "[removed-after-sending]"

_emails = Environment(
    loader=FileSystemLoader(project_path("templates") / "emails"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
# E-mails are written in the language current when they are queued (the request's, or the one a
# caller chooses with ``i18n.using``), like pages.
_emails.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.raw_gettext, i18n.raw_ngettext, newstyle=True
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


def queue_limited(
    db: Session,
    settings: Settings,
    to: str,
    template: str,
    *,
    client: str | None,
    client_limit: int,
    **context: Any,
) -> OutboxMessage | None:
    """Queue like ``queue_email`` unless this recipient, or the client that asked (``client``,
    e.g. ``"account:<address>"``; None for Laurel's own jobs), had its share of such mail this
    hour; then nothing is queued and the caller answers the same as when it is."""
    recipient = f"mail-to:{token_hash(to)[:40]}"  # the address itself is not stored
    too_many = rate_limits.count_in_window(db, recipient, HOUR) > (
        settings.mail_max_per_recipient_per_hour
    )
    if client is not None:
        too_many |= rate_limits.count_in_window(db, f"mail-from:{client}", HOUR) > client_limit
    if too_many:
        log.info("mail not queued: hourly limit reached", extra={"template": template})
        return None
    return queue_email(db, settings, to, template, **context)


def redact_secrets(text: str) -> str:
    """The text with every one-time link's secret removed (the outbox keeps no usable link)."""
    return ONE_TIME_SECRET.sub(REDACTED, text)


class MailBackend(Protocol):
    """Something that delivers one message or raises."""

    def send(self, message: EmailMessage) -> None: ...


LINK = re.compile(r"https?://[^\s<>\"']+")


class ConsoleBackend:
    """Development backend: writes each message to standard error instead of sending it, then
    the links of its text, decoded and one per line, so that they work when copied (the message
    itself is quoted-printable: ``=3D`` for ``=`` and long lines split)."""

    def send(self, message: EmailMessage) -> None:
        sys.stderr.write(f"\n----- e-mail -----\n{message}\n------------------\n")
        links = console_links(message)
        if links:
            sys.stderr.write(
                "Links in this message, to copy:\n" + "".join(f"  {u}\n" for u in links)
            )


def console_links(message: EmailMessage) -> list[str]:
    """The links of the message's plain-text part, decoded, in order, each once."""
    body = message.get_body(("plain",))
    if not isinstance(body, EmailMessage):
        return []
    found = (link.rstrip(".,;:!?)") for link in LINK.findall(body.get_content()))
    return list(dict.fromkeys(found))


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
    session_factory: sessionmaker[Session],
    settings: Settings,
    *,
    limit: int = 100,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    """Send the messages that are due; safe with many processes (each row is claimed once).

    Returns how many were sent. ``clock`` tells the time (tests inject their own). Claiming a
    message and recording its outcome are short transactions of their own: no transaction, lock
    or pooled connection is held while the mail server is talked to.
    """
    backend = backend_for(settings)
    sent = 0
    with session_factory() as db:
        candidates = db.scalars(
            select(OutboxMessage.id)
            .where(_sendable(clock()))
            .order_by(OutboxMessage.next_attempt_at)
            .limit(limit)
        ).all()
    for message_id in candidates:
        claimed = _claim(session_factory, settings, message_id, clock())
        if claimed is not None:
            sent += _deliver(session_factory, backend, message_id, *claimed, clock=clock)
    return sent


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 30 s, doubling, at most 1 h."""
    doublings = min(max(attempts - 1, 0), 16)  # 30 s * 2**16 is far past the cap
    return min(FIRST_RETRY_DELAY * (1 << doublings), MAX_RETRY_DELAY)


def _sendable(now: datetime) -> Any:
    due = (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.next_attempt_at <= now)
    abandoned = (OutboxMessage.status == OutboxStatus.SENDING) & (
        OutboxMessage.claimed_at < now - STALE_CLAIM
    )
    return due | abandoned


def _claim(
    sessions: sessionmaker[Session], settings: Settings, message_id: uuid.UUID, now: datetime
) -> tuple[EmailMessage, int, str] | None:
    """Mark the message as being sent (counting the attempt): the e-mail, its attempt number and
    its stored text, or None when another sender claimed it first or it is not due."""
    with sessions() as db:
        claimed = db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _sendable(now))
            .values(
                status=OutboxStatus.SENDING,
                claimed_at=now,
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
        attempts, body = message.attempts, message.body_text
        db.commit()
    return email, attempts, body


def _deliver(
    sessions: sessionmaker[Session],
    backend: MailBackend,
    message_id: uuid.UUID,
    email: EmailMessage,
    attempts: int,
    body: str,
    *,
    clock: Callable[[], datetime],
) -> int:
    try:
        backend.send(email)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail delivery failed", extra={"outbox_id": str(message_id)})
        error = f"{type(exc).__name__}: {exc}"[:500]
        if attempts >= MAX_ATTEMPTS:
            _record(sessions, message_id, status=OutboxStatus.FAILED, last_error=error)
        else:
            _record(
                sessions,
                message_id,
                status=OutboxStatus.PENDING,
                last_error=error,
                next_attempt_at=clock() + retry_delay(attempts),
            )
        return 0
    _record(
        sessions,
        message_id,
        status=OutboxStatus.SENT,
        sent_at=clock(),
        body_text=redact_secrets(body),
    )
    return 1


def _record(sessions: sessionmaker[Session], message_id: uuid.UUID, **values: Any) -> None:
    with sessions() as db:
        db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
        db.commit()
