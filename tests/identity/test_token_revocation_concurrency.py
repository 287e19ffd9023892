"""Revoking the same access token twice at once (a double click), on real separate connections:
both requests succeed and the audit trail records one revocation."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.models import AccessToken, AuditEvent, User
from app.services.identity import access_tokens
from tests.race_support import all_at_once
from tests.support import make_user


def test_revoking_a_token_twice_at_once_audits_one_revocation(fresh_engine: Engine) -> None:
    with Session(fresh_engine, expire_on_commit=False) as db:
        user = make_user(db, "t@race.org")
        token, _raw = access_tokens.create_token(
            db, user, name="Laptop", scopes=["account:read"], expires_in_days=30
        )
        db.commit()

    def read(db: Session) -> AccessToken:
        return db.get_one(AccessToken, token.id)

    def revoke(db: Session, _: object) -> str:
        access_tokens.revoke_token(db, db.get_one(User, user.id), token.id)
        return "revoked"

    assert all_at_once(fresh_engine, [(read, revoke), (read, revoke)]) == ["revoked", "revoked"]
    with Session(fresh_engine) as db:
        assert db.get_one(AccessToken, token.id).revoked_at is not None
        audits = db.scalar(select(func.count()).where(AuditEvent.action == "token.revoked"))
        assert audits == 1
