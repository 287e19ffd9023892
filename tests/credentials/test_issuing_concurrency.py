"""Issuing under concurrency, on real separate connections (an organization's first credentials
included): retries of one award issue it once; distinct credentials never share an index; one
current key per algorithm."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, IssuedCredential, Organization, SigningKey, StatusList, User
from app.services.credentials import issuing as credentials
from app.services.orgs import organizations
from app.settings import Settings
from tests.credentials_support import spec
from tests.support import make_user

SQLITE_BUSY = "database is locked"


@pytest.fixture
def committed(engine: Engine) -> Iterator[tuple[Organization, User]]:
    """An organization and a teacher committed for real (other connections must see them)."""
    with Session(engine, expire_on_commit=False) as db:
        org = organizations.create_organization(db, None, slug="concurrent", name="Concurrent")
        db.commit()
        teacher = make_user(db, "t@concurrent.org", org=org)
    yield org, teacher
    with Session(engine) as db:
        for model in (IssuedCredential, StatusList, SigningKey, AuditEvent):
            db.execute(delete(model).where(model.organization_id == org.id))
        db.execute(delete(User).where(User.id == teacher.id))
        db.execute(delete(Organization).where(Organization.id == org.id))
        db.commit()


def race(engine: Engine, settings: Settings, org: Organization, email: str, keys: list[str]):
    """Issue one credential per key, all threads starting together; return their errors."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(keys))

    def work(key: str) -> None:
        try:
            with Session(engine, expire_on_commit=False) as db:
                barrier.wait()
                request = credentials.IssueRequest(
                    organization=db.get_one(Organization, org.id),
                    recipient_email=email,
                    achievement=spec("Concurrent"),
                    idempotency_key=key,
                )
                credentials.issue_credential(db, settings, request)
                db.commit()
        except Exception as exc:  # collected; the test decides
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def expected_errors(engine: Engine, errors: list[BaseException]) -> None:
    """PostgreSQL runs writers side by side and must not fail; SQLite has one writer at a time,
    so a loser may only ever get 'database is locked' (and nothing is half-written)."""
    if engine.dialect.name == "postgresql":
        assert errors == []
    else:
        assert all(SQLITE_BUSY in str(e) for e in errors), errors


def test_same_award_is_issued_once(engine, settings, committed) -> None:
    org, teacher = committed
    errors = race(engine, settings, org, teacher.email, ["award:same"] * 4)
    expected_errors(engine, errors)
    with Session(engine) as db:
        count = db.scalar(
            select(func.count())
            .select_from(IssuedCredential)
            .where(IssuedCredential.organization_id == org.id)
        )
        current_keys = db.scalars(
            select(SigningKey.algorithm).where(
                SigningKey.organization_id == org.id, SigningKey.retired_at.is_(None)
            )
        ).all()
    assert count == 1
    assert sorted(current_keys) == ["ed25519", "rsa"]


def test_distinct_credentials_get_distinct_indexes(engine, settings, committed) -> None:
    org, teacher = committed
    errors = race(engine, settings, org, teacher.email, [f"award:{n}" for n in range(4)])
    expected_errors(engine, errors)
    with Session(engine) as db:
        rows = db.scalars(
            select(IssuedCredential).where(IssuedCredential.organization_id == org.id)
        ).all()
        lists = db.scalar(
            select(func.count()).select_from(StatusList).where(StatusList.organization_id == org.id)
        )
    assert len(rows) == 4 - len(errors)
    assert len({(r.status_list_id, r.status_index) for r in rows}) == len(rows)
    assert lists == 1
