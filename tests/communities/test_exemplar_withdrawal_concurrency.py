"""Withdrawing the same exemplar twice at once (a double click), on real separate connections:
one request withdraws it (its copied files deleted, audited once); the other is told it already
is, never an error page."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.kit.storage.uploads import Upload
from app.models import Attachment, AuditEvent, Exemplar, JoinPolicy, Organization, Role, User
from app.services.communities import exemplars
from app.services.communities import membership as communities
from app.services.orgs import organizations
from app.settings import Settings
from tests.race_support import all_at_once
from tests.support import make_user


def _shared(engine: Engine, settings: Settings) -> tuple[Organization, User, Exemplar]:
    with Session(engine, expire_on_commit=False) as db:
        org = organizations.create_organization(db, None, slug="race", name="Race District")
        db.commit()
        coach = make_user(db, "coach@race.org", org=org, role=Role.COACH)
        ana = make_user(db, "ana@race.org", org=org)
        communities.create_community(
            db, org, coach, slug="mc", name="Reading credential", join_policy=JoinPolicy.OPEN,
            attached_kind="micro_credential", attached_ref="mc-42",
        )  # fmt: skip
        db.commit()
        communities.join(db, communities.access(db, org, "mc", ana))
        earned = exemplars.EarnedEvidence(
            credential_kind="micro_credential", credential_ref="mc-42", evidence_ref="sub-1",
            owner_id=ana.id, title="Guided reading notes", reflection="What I changed",
            files=[Upload("notes.txt", b"My notes")],
        )  # fmt: skip
        ctx = communities.access(db, org, "mc", ana)
        shared = exemplars.share(db, settings, ctx, earned, consent=True)
        db.commit()
        return org, ana, shared


def test_withdrawing_an_exemplar_twice_at_once_withdraws_and_audits_once(
    fresh_engine: Engine, settings: Settings
) -> None:
    org, ana, shared = _shared(fresh_engine, settings)

    def read(db: Session) -> communities.CommunityAccess:
        user = db.get_one(User, ana.id)
        _ = db.get_one(Exemplar, shared.id).attachments  # this request has read the files
        return communities.access(db, db.get_one(Organization, org.id), "mc", user)

    def withdraw(db: Session, ctx: communities.CommunityAccess) -> object:
        return exemplars.withdraw(db, settings, ctx, shared.id)

    results = all_at_once(fresh_engine, [(read, withdraw), (read, withdraw)])

    assert sorted(type(result).__name__ for result in results) == ["Conflict", "Exemplar"], results
    refused = next(result for result in results if isinstance(result, Conflict))
    assert "already withdrawn" in refused.detail
    with Session(fresh_engine) as db:
        assert db.get_one(Exemplar, shared.id).withdrawn_at is not None
        assert db.scalar(select(func.count()).select_from(Attachment)) == 0
        action = AuditEvent.action == "community.exemplar_withdrawn"
        assert db.scalar(select(func.count()).where(action)) == 1
