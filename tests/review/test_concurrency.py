"""Two coaches decide the same attempt at the same moment, on real separate connections:
exactly one decision is recorded, the other coach gets a clear refusal (never a 500)."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.kit.storage.uploads import Upload
from app.models import Award, Decision, Review, Role, Submission, SubmissionStatus, User
from app.services.orgs import organizations
from app.services.review import decisions, drafts, evidence, queue, scoring
from app.settings import Settings
from tests.review.support import MINIMAL_PDF, make_definition
from tests.support import make_user


def waiting_submission(db: Session, settings: Settings) -> tuple[Submission, list[User]]:
    org = organizations.create_organization(db, None, slug="race", name="Race District")
    db.commit()
    teacher = make_user(db, "t@race.org", org=org)
    coaches = [make_user(db, f"c{i}@race.org", org=org, role=Role.COACH) for i in (1, 2)]
    definition = make_definition(db, org)
    submission = evidence.start(db, teacher, definition.id)
    draft = drafts.DraftInput(
        responses={"reflection": "I tried it."},
        uploads={"artifacts": [Upload("plan.pdf", MINIMAL_PDF)]},
    )
    drafts.save_draft(db, settings, teacher, submission.id, draft)
    evidence.submit(db, settings, teacher, submission.id, privacy=True)
    db.commit()
    return submission, coaches


def test_two_coaches_deciding_at_once(fresh_engine: Engine, settings: Settings) -> None:
    with Session(fresh_engine, expire_on_commit=False) as db:
        submission, coaches = waiting_submission(db, settings)
    outcomes: list[object] = []
    barrier = threading.Barrier(2)
    chosen = {coaches[0].id: Decision.EARNED, coaches[1].id: Decision.NOT_YET}

    def decide(coach_id: object) -> None:
        with Session(fresh_engine, expire_on_commit=False) as db:
            coach = db.get_one(User, coach_id)
            data = scoring.ReviewInput(
                attempt_no=1,
                decision=chosen[coach.id],
                levels={"plan": 3, "practice": 3, "reflect": 3},
                feedback="Feedback from a coach.",
            )
            queue.for_reviewer(db, coach, submission.id)  # both opened the page
            barrier.wait()
            try:
                decisions.decide(db, settings, coach, submission.id, data)
                db.commit()
                outcomes.append("decided")
            except (Conflict, OperationalError) as exc:
                db.rollback()
                outcomes.append(exc)

    threads = [threading.Thread(target=decide, args=(c.id,)) for c in coaches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("decided") == 1
    with Session(fresh_engine) as db:
        assert db.scalar(select(func.count()).select_from(Review)) == 1
        decided = db.get_one(Submission, submission.id)
        only = db.scalars(select(Review)).one()
        expected = (
            SubmissionStatus.EARNED
            if only.decision == Decision.EARNED
            else SubmissionStatus.NOT_YET
        )
        assert decided.status == expected
        assert decided.reviewer_id == only.reviewer_id
        awards = db.scalar(select(func.count()).select_from(Award))
        assert awards == (1 if only.decision == Decision.EARNED else 0)
    refused = next(o for o in outcomes if o != "decided")
    if isinstance(refused, Conflict):
        assert "decided" in refused.detail
    else:  # SQLite's single writer: answered as 503 "busy" by the app, nothing half-written
        assert fresh_engine.dialect.name == "sqlite"
        assert "database is locked" in str(refused)
