"""Test helpers: a browser-like client and factories for users and organizations."""

from __future__ import annotations

import email
import email.policy
import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

import httpx
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Organization, OutboxMessage, Role, User
from app.services.identity.passwords import hash_password
from app.services.orgs import organizations
from app.settings import Settings
from app.web import csrf

PASSWORD = "a-long-enough-passphrase"
LINK = re.compile(r"http://testserver(/\S+)")


@functools.cache
def cached_hash(password: str) -> str:
    """An argon2id hash, computed once per password for the whole run."""
    return hash_password(password)


class ConsoleInbox:
    """The messages the console mail backend wrote to standard error: what was actually sent
    (the outbox keeps them with their one-time links removed)."""

    def __init__(self, capsys: Any) -> None:
        self.capsys = capsys
        self.messages: list[EmailMessage] = []

    def newest_to(self, to: str) -> EmailMessage:
        """The newest message sent to an address."""
        for chunk in self.capsys.readouterr().err.split("----- e-mail -----\n")[1:]:
            raw = chunk.split("\n------------------\n")[0]
            parsed = email.message_from_string(raw, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
        sent = [m for m in self.messages if m["To"] == to]
        assert sent, f"no mail sent to {to}"
        return sent[-1]


class WebClient:
    """Wraps a TestClient: adds CSRF tokens to form posts and reads links from sent mail."""

    def __init__(self, client: Any, settings: Settings, db: Session, inbox: ConsoleInbox) -> None:
        self.client = client
        self.settings = settings
        self.db = db
        self.inbox = inbox

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """GET without following redirects (tests look at them)."""
        kwargs.setdefault("follow_redirects", False)
        return self.client.get(url, **kwargs)

    def page(self, url: str) -> str:
        """The text of a page that must load (200); absence checks on error pages prove nothing."""
        response = self.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.text

    def csrf_token(self) -> str:
        """The form token for this client's CSRF cookie (fetching a page to get one)."""
        cookie = self.client.cookies.get(csrf.CSRF_COOKIE)
        if not cookie:
            self.client.get("/signin")
            cookie = self.client.cookies.get(csrf.CSRF_COOKIE)
        return csrf.form_token(self.settings.secret, cookie)

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, with_csrf: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """POST a form, with a valid CSRF token unless told otherwise."""
        form = dict(data or {})
        if with_csrf:
            form.setdefault("csrf_token", self.csrf_token())
        kwargs.setdefault("follow_redirects", False)
        return self.client.post(url, data=form, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        """Sign in through the form; asserts it worked."""
        response = self.post("/signin", {"email": email, "password": password})
        assert response.status_code == 303, response.text
        return response

    def last_mail(self, to: str) -> OutboxMessage:
        """The newest message queued for an address."""
        self.db.expire_all()
        message = self.db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == to)
            .order_by(OutboxMessage.created_at.desc())
        ).first()
        assert message is not None, f"no mail to {to}"
        return message

    def link_in_mail(self, to: str) -> str:
        """The path of the first link in the newest message sent to an address."""
        body = self.inbox.newest_to(to).get_content()
        match = LINK.search(body)
        assert match, "no link in the message"
        return match.group(1)


def make_org(db: Session, slug: str = "riverbend", name: str | None = None) -> Organization:
    """An organization."""
    org = organizations.create_organization(db, None, slug=slug, name=name or slug.title())
    db.commit()
    return org


def make_user(
    db: Session,
    email: str,
    *,
    org: Organization | None = None,
    role: Role = Role.TEACHER,
    password: str = PASSWORD,
    verified: bool = True,
    platform_admin: bool = False,
    name: str | None = None,
) -> User:
    """A user, optionally a member of an organization."""
    user = User(
        email=email,
        display_name=name or email.split("@")[0].title(),
        password_hash=cached_hash(password),
        email_verified_at=utcnow() if verified else None,
        is_platform_admin=platform_admin,
    )
    db.add(user)
    db.flush()
    if org is not None:
        organizations.add_member(db, org, user, role)
    db.commit()
    db.refresh(user)
    return user


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """Collect every SQL statement the engine runs inside the block."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
