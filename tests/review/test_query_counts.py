"""The review queue, the admin review page, the teacher's evidence list, the catalog and the
coaching page run the same number of SQL queries with 3 or 30 teachers' submissions."""

from __future__ import annotations

from datetime import timedelta

from app.db import utcnow
from app.models import (
    Decision,
    EvidenceAttempt,
    Mentorship,
    Review,
    ReviewKind,
    ReviewScore,
    Submission,
    SubmissionStatus,
)
from tests.review.support import CRITERIA, World, make_world
from tests.support import WebClient, counting, make_user

BOUND = 25


def add_teachers(db, world: World, start: int, count: int) -> None:
    """Teachers with a submission each (every other one decided) and the coach as mentor."""
    for n in range(start, start + count):
        teacher = make_user(db, f"t{n}@riverbend.org", org=world.org, name=f"Teacher {n}")
        decided = n % 2 == 0
        submitted = utcnow() - timedelta(hours=n + 1)
        submission = Submission(
            organization_id=world.org.id,
            micro_credential_id=world.definition.id,
            user_id=teacher.id,
            status=SubmissionStatus.NOT_YET if decided else SubmissionStatus.SUBMITTED,
            submitted_at=submitted,
            reviewer_id=world.coach.id if n % 3 == 0 else None,
        )
        attempt = EvidenceAttempt(
            number=1, responses={"reflection": "Notes"}, submitted_at=submitted
        )
        submission.attempts.append(attempt)
        db.add(submission)
        db.flush()
        if decided:
            review = Review(
                organization_id=world.org.id,
                attempt_id=attempt.id,
                reviewer_id=world.coach.id,
                kind=ReviewKind.PRIMARY,
                decision=Decision.NOT_YET,
                feedback="More",
                turnaround_seconds=3600 * (n + 1),
            )
            review.scores = [ReviewScore(criterion=key, level=2) for key, _ in CRITERIA]
            db.add(review)
        db.add(
            Mentorship(organization_id=world.org.id, coach_id=world.coach.id, teacher_id=teacher.id)
        )
    db.commit()


def measure(web: WebClient, engine, world: World, email: str, paths: list[str]) -> dict[str, int]:
    web.client.cookies.clear()
    web.sign_in(email)
    counts = {}
    for path in paths:
        with counting(engine) as statements:
            response = web.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        counts[path] = len(statements)
    return counts


def all_counts(web: WebClient, engine, world: World) -> dict[str, int]:
    coach_paths = ["/", "/review", "/review?status=all&sort=newest", "/coaching"]
    admin_paths = [f"/orgs/{world.org.slug}/review", f"/orgs/{world.org.slug}/micro-credentials"]
    teacher_paths = [
        "/",
        "/evidence",
        "/micro-credentials",
        f"/micro-credentials/{world.definition.id}",
    ]
    return (
        measure(web, engine, world, world.coach.email, coach_paths)
        | measure(web, engine, world, world.admin.email, admin_paths)
        | measure(web, engine, world, "t1@riverbend.org", teacher_paths)
    )


def test_review_pages_do_not_grow_with_the_data(web: WebClient, db, engine) -> None:
    world = make_world(db)
    add_teachers(db, world, 0, 3)
    small = all_counts(web, engine, world)
    add_teachers(db, world, 3, 27)
    large = all_counts(web, engine, world)
    web.client.cookies.clear()
    web.sign_in(world.coach.email)
    assert "Teacher 29" in web.get("/review").text  # the rows are really there
    assert "Teacher 28" in web.get("/coaching").text
    assert large == small, {k: (small[k], large[k]) for k in small if small[k] != large[k]}
    assert max(large.values()) <= BOUND, large
