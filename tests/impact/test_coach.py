"""A coach's own figures: what waits for her, her turnaround, agreement with others."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.db import utcnow
from app.models import (
    Decision,
    EvidenceAttempt,
    MicroCredential,
    Review,
    ReviewKind,
    Role,
    Submission,
    SubmissionStatus,
)
from tests.impact.support import small_org
from tests.support import make_user


def _row(page: str, label: str) -> str:
    start = page.index(f'<th scope="row">{label}</th><td>') + len(
        f'<th scope="row">{label}</th><td>'
    )
    return page[start : page.index("</td>", start)]


def test_queue_turnaround_and_agreement(web, db) -> None:
    world = small_org(db)
    second = make_user(db, "second@riverbend.org", org=world.org, role=Role.COACH)
    attempt = db.scalars(select(EvidenceAttempt)).one()
    db.add(
        Review(
            organization_id=world.org.id,
            attempt_id=attempt.id,
            reviewer_id=second.id,
            kind=ReviewKind.CALIBRATION,
            decision=Decision.EARNED,
            decided_at=utcnow() - timedelta(days=1),
            turnaround_seconds=90000,
            agrees_with_primary=True,
        )
    )
    definition = db.scalars(select(MicroCredential)).one()
    db.add(
        Submission(
            organization_id=world.org.id,
            micro_credential_id=definition.id,
            user_id=world.teachers[1].id,
            status=SubmissionStatus.SUBMITTED,
            submitted_at=utcnow() - timedelta(hours=30),
            reviewer_id=world.coach.id,
        )
    )
    db.commit()
    web.sign_in(world.coach.email)
    page = web.page("/orgs/riverbend/coach/impact")
    assert _row(page, "Submissions waiting for you") == "1"
    assert _row(page, "Oldest of those has waited").startswith("30.")
    assert _row(page, "Your decisions") == "1"
    assert _row(page, "Your turnaround, median") == "2.0 hours"
    assert _row(page, "Your decisions a second reviewer checked") == "1"
    assert _row(page, "Second reviewers agreed with you") == "100 %"
    assert _row(page, "Your second reviews") == "0"
    web.client.cookies.clear()
    web.sign_in(second.email)
    page = web.page("/orgs/riverbend/coach/impact")
    assert _row(page, "Submissions waiting for you") == "0"
    assert _row(page, "Unclaimed submissions in the queue") == "0"
    assert _row(page, "Your second reviews") == "1"
    assert _row(page, "You agreed with the first coach") == "100 %"


def test_the_review_queue_leads_a_coach_to_her_figures(web, web2, db) -> None:
    world = small_org(db)
    teacher = world.teachers[0]
    web.sign_in(world.coach.email)
    queue = web.page("/review")
    assert queue.count("/coach/impact") == 1
    assert f'<a href="/orgs/{world.org.slug}/coach/impact">{world.org.name}</a>' in queue
    web2.sign_in(teacher.email)
    assert "/coach/impact" not in web2.get("/review").text
