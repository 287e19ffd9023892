"""One-time form nonces: a create form carries a fresh nonce, and the action records it in its
own transaction, so sending the same form again (a browser retrying after a lost response, a
double click) does not create a second row but leads to the first one."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import Conflict, Invalid
from app.models import FormSubmission, User

FIELD = "form_nonce"
MAX_LENGTH = 64


def new_nonce() -> str:
    """A fresh nonce for a form being rendered."""
    return secrets.token_urlsafe(24)


def already_done(db: Session, user: User, nonce: str) -> str | None:
    """Where the earlier submission of this form led, or None if the form is new."""
    return db.scalar(
        select(FormSubmission.location).where(
            FormSubmission.user_id == user.id, FormSubmission.nonce == nonce
        )
    )


def record(db: Session, user: User, nonce: str, location: str) -> None:
    """Record the nonce with the page its action led to, in the caller's transaction (Conflict,
    so the caller's rows roll back, if a concurrent submission of the same form was first)."""
    if len(nonce) > MAX_LENGTH:
        raise Invalid("The form is malformed; reload the page and try again.")
    try:
        with db.begin_nested():
            db.add(FormSubmission(user_id=user.id, nonce=nonce, location=location))
    except IntegrityError as exc:
        raise Conflict("This form was already sent; reload the page to see the result.") from exc
