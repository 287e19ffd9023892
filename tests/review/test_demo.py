"""The review demo data: waiting submissions and a revised one, created once."""

from __future__ import annotations

from sqlalchemy import func, select

from app.demo.review import seed_review
from app.models import (
    Award,
    AwardStatus,
    EvidenceAttempt,
    EvidenceFile,
    Exemplar,
    Review,
    Submission,
    SubmissionStatus,
)
from tests.review.support import make_definition, make_world
from tests.support import make_org


def counts(db) -> tuple[int, ...]:
    db.expire_all()
    return tuple(
        db.scalar(select(func.count()).select_from(model))
        for model in (Submission, EvidenceAttempt, EvidenceFile, Review)
    )


def test_seed_review_twice_changes_nothing(db, settings) -> None:
    w = make_world(db)
    make_definition(db, w.org, name="Questioning Strategies")
    people = [w.admin, w.coach, w.teacher, w.teacher2]
    seed_review(db, settings, w.org, people)
    db.commit()
    first = counts(db)
    assert first == (3, 4, 4, 1)
    statuses = [s.status for s in db.scalars(select(Submission))]
    assert statuses.count(SubmissionStatus.SUBMITTED) == 3
    revised = db.scalars(select(Submission).where(Submission.attempt_no == 2)).one()
    assert revised.attempts[0].reviews[0].feedback.startswith("A good start")
    seed_review(db, settings, w.org, people)
    db.commit()
    assert counts(db) == first


def test_seed_review_without_definitions_creates_nothing(db, settings) -> None:
    org = make_org(db, "empty")
    w = make_world(db)
    seed_review(db, settings, org, [w.admin, w.coach, w.teacher, w.teacher2])
    assert counts(db) == (0, 0, 0, 0)


def test_with_three_micro_credentials_one_is_earned_and_shared_as_an_exemplar(db, settings) -> None:
    w = make_world(db)
    make_definition(db, w.org, name="Questioning Strategies")
    middle = make_definition(db, w.org, name="Inquiry Routines")
    people = [w.admin, w.coach, w.teacher, w.teacher2]
    seed_review(db, settings, w.org, people)
    db.commit()
    award = db.scalars(select(Award)).one()
    assert (award.user_id, award.micro_credential_id) == (w.teacher2.id, middle.id)
    assert award.status == AwardStatus.ISSUED
    exemplar = db.scalars(select(Exemplar)).one()
    assert exemplar.owner_id == w.teacher2.id
    assert exemplar.attachments  # the PNG evidence was copied
    seed_review(db, settings, w.org, people)
    db.commit()
    assert db.scalar(select(func.count()).select_from(Exemplar)) == 1
    assert db.scalar(select(func.count()).select_from(Award)) == 1
