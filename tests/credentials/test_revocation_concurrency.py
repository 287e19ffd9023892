"""Revocations by overlapping transactions on real separate connections: two credentials that share
a status list keep both bits (the list row is locked before its bits are read), and the same
credential revoked twice at once is revoked and audited once (the second is told it already is)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.models import AuditEvent, IssuedCredential, Notification, Role, StatusList, User
from app.services.credentials import lifecycle
from app.services.orgs import organizations
from app.settings import Settings
from badges import StatusList as Bits
from tests.credentials_support import issue_to
from tests.race_support import all_at_once
from tests.support import make_user


def test_overlapping_revocations_keep_both_bits(fresh_engine: Engine, settings: Settings) -> None:
    with Session(fresh_engine, expire_on_commit=False) as db:
        org = organizations.create_organization(db, None, slug="race", name="Race District")
        db.commit()
        admin = make_user(db, "admin@race.org", org=org, role=Role.ADMIN)
        teacher = make_user(db, "t@race.org", org=org)
        first = issue_to(db, settings, org, teacher, key="first")
        second = issue_to(db, settings, org, teacher, key="second")
    assert first.status_list_id == second.status_list_id

    slow = Session(fresh_engine)
    row = slow.get_one(IssuedCredential, first.id)
    assert row.status_list.bits is not None  # this transaction has read the bits

    with Session(fresh_engine) as fast:
        lifecycle.revoke(fast, settings, fast.get_one(User, admin.id), second.id, "Issued in error")
        fast.commit()

    sqlite = fresh_engine.dialect.name == "sqlite"
    try:
        lifecycle.revoke(slow, settings, slow.get_one(User, admin.id), first.id, "Duplicate")
        slow.commit()
    except OperationalError:
        # SQLite lets one writer at a time and refuses a writer whose snapshot is stale:
        # the late revocation fails (the user is told to retry); nothing is overwritten.
        assert sqlite
        slow.rollback()
    finally:
        slow.close()

    with Session(fresh_engine) as db:
        status_list = db.get_one(StatusList, first.status_list_id)
        bits = Bits(status_list.size, status_list.bits)
        assert bits.get(second.status_index) is True
        revoked_first = db.get_one(IssuedCredential, first.id).revoked_at is not None
        assert bits.get(first.status_index) is revoked_first
        if not sqlite:
            assert revoked_first


def _one_credential(engine: Engine, settings: Settings) -> tuple[User, IssuedCredential]:
    with Session(engine, expire_on_commit=False) as db:
        org = organizations.create_organization(db, None, slug="race", name="Race District")
        db.commit()
        admin = make_user(db, "admin@race.org", org=org, role=Role.ADMIN)
        teacher = make_user(db, "t@race.org", org=org)
        return admin, issue_to(db, settings, org, teacher, key="once")


def _read(credential: IssuedCredential) -> Callable[[Session], object]:
    return lambda db: db.get_one(IssuedCredential, credential.id)


def _count(engine: Engine, *where: Any) -> int | None:
    with Session(engine) as db:
        return db.scalar(select(func.count()).where(*where))


def test_revoking_the_same_credential_twice_at_once_revokes_and_audits_once(
    fresh_engine: Engine, settings: Settings
) -> None:
    admin, credential = _one_credential(fresh_engine, settings)

    def revoke(reason: str) -> Callable[[Session, object], object]:
        return lambda db, _: lifecycle.revoke(
            db, settings, db.get_one(User, admin.id), credential.id, reason
        )

    read = _read(credential)
    results = all_at_once(fresh_engine, [(read, revoke("First click")), (read, revoke("Second"))])

    assert sorted(type(result).__name__ for result in results) == ["Conflict", "IssuedCredential"]
    refused = next(result for result in results if isinstance(result, Conflict))
    assert "already revoked" in refused.detail
    assert _count(fresh_engine, AuditEvent.action == "credential.revoked") == 1
    assert _count(fresh_engine, Notification.title.contains("was revoked")) == 1
    winner = next(r for r in results if isinstance(r, IssuedCredential))
    with Session(fresh_engine) as db:
        row = db.get_one(IssuedCredential, credential.id)
        assert row.revocation_reason == winner.revocation_reason


def test_renewing_the_same_credential_twice_at_once_renews_and_audits_once(
    fresh_engine: Engine, settings: Settings
) -> None:
    admin, credential = _one_credential(fresh_engine, settings)

    def renew(db: Session, _: object) -> object:
        return lifecycle.renew(db, settings, db.get_one(User, admin.id), credential.id, 12)

    read = _read(credential)
    results = all_at_once(fresh_engine, [(read, renew), (read, renew)])

    assert sorted(type(result).__name__ for result in results) == ["Conflict", "IssuedCredential"]
    assert _count(fresh_engine, AuditEvent.action == "credential.renewed") == 1
    assert _count(fresh_engine, IssuedCredential.supersedes_id == credential.id) == 1
