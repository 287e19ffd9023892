"""Single sign-on at the same moment, on real separate connections: a held link confirmed twice
at once, and a first sign-in racing itself, each end with one identity and a clear outcome."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, Membership, OidcIdentity, OidcProvider, Organization, User
from app.services.orgs import organizations, sso, sso_links
from app.settings import Settings
from tests.race_support import while_other_holds
from tests.support import make_user

EMAIL = "sam@riverbend.org"
CLAIMS = {"sub": "subject-1", "email": EMAIL, "email_verified": True, "name": "Sam"}


@pytest.fixture
def provider_id(fresh_engine: Engine, settings: Settings) -> Any:
    """A committed organization with an enabled provider (never contacted by these tests)."""
    with Session(fresh_engine, expire_on_commit=False) as db:
        org = organizations.create_organization(db, None, slug="riverbend", name="Riverbend")
        admin = make_user(db, "boss@riverbend.org", org=org)
        provider = sso.configure_provider(
            db,
            settings,
            org,
            admin,
            label="Riverbend",
            issuer_url="https://idp.riverbend.org",
            client_id="laurel",
            client_secret="secret",
            enabled=True,
        )
        db.commit()
        return provider.id


def _sign_in(settings: Settings, provider_id: Any) -> Any:
    def act(db: Session, _: Any) -> Any:
        provider = db.get_one(OidcProvider, provider_id)
        outcome = sso_links.link_account(db, settings, provider, CLAIMS)
        return outcome.id if isinstance(outcome, User) else outcome

    return act


def _counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as db:
        identities = db.scalar(select(func.count()).select_from(OidcIdentity))
        linked = db.scalar(select(func.count()).where(AuditEvent.action == "sso.linked"))
        users = db.scalar(select(func.count()).where(User.email == EMAIL))
        return identities or 0, linked or 0, users or 0


def test_two_confirmations_of_one_held_link_link_it_once(
    fresh_engine: Engine, settings: Settings, provider_id: Any
) -> None:
    with Session(fresh_engine, expire_on_commit=False) as db:
        user = make_user(db, EMAIL)
        held = _sign_in(settings, provider_id)(db, None)
        db.commit()
    assert isinstance(held, sso_links.PendingLink)
    cookie = sso_links.pending_link_cookie(settings, held)

    def confirm(db: Session, pending: sso_links.PendingLink | None) -> Any:
        if pending is None:  # SQLite: started again after the other committed
            return "nothing left to confirm"
        return sso_links.confirm_pending_link(db, settings, pending, db.get_one(User, user.id))

    second = while_other_holds(
        fresh_engine,
        lambda db, _: confirm(db, held),
        lambda db: sso_links.read_pending_link(db, settings, cookie),
        confirm,
    )

    assert second in (True, "nothing left to confirm"), second
    assert _counts(fresh_engine) == (1, 1, 1)
    with Session(fresh_engine) as db:
        assert db.scalars(select(OidcIdentity)).one().user_id == user.id
        org = db.scalars(select(Organization)).one()
        assert db.scalar(
            select(func.count()).where(
                Membership.user_id == user.id, Membership.organization_id == org.id
            )
        )


def test_first_sign_in_racing_itself_creates_one_account(
    fresh_engine: Engine, settings: Settings, provider_id: Any
) -> None:
    first: list[Any] = []
    act = _sign_in(settings, provider_id)

    second = while_other_holds(
        fresh_engine, lambda db, _: first.append(act(db, None)), lambda _db: None, act
    )

    assert second == first[0]
    assert _counts(fresh_engine) == (1, 1, 1)
    with Session(fresh_engine) as db:
        assert db.scalar(select(func.count()).where(Membership.user_id == second)) == 1


def test_first_sign_in_racing_itself_links_a_member_once(
    fresh_engine: Engine, settings: Settings, provider_id: Any
) -> None:
    with Session(fresh_engine, expire_on_commit=False) as db:
        org = db.scalars(select(Organization)).one()
        member = make_user(db, EMAIL, org=org)
    act = _sign_in(settings, provider_id)

    second = while_other_holds(fresh_engine, act, lambda _db: None, act)

    assert second == member.id
    assert _counts(fresh_engine) == (1, 1, 1)
