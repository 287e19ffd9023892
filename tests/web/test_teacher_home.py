"""The home a teacher lands on: continue where you left off, PD hours this school year, feedback
waiting, what is due, recommendations with their reasons, recent credentials; each worded for a
new teacher when empty, and the page runs the same number of SQL statements with 1 or 4 of
everything."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.db import utcnow
from app.models import (
    Activity,
    CoachingGoal,
    Decision,
    Enrollment,
    EnrollmentStatus,
    EvidenceAttempt,
    Mentorship,
    Review,
    ReviewKind,
    Submission,
    SubmissionStatus,
)
from app.services.learning import overview, recommendations
from tests.credentials_support import issue_to
from tests.learning_support import published
from tests.review.support import World, make_definition, make_world
from tests.support import WebClient, counting

EMPTY_STATES = (
    "You have not started a module yet.",
    "Each module you complete adds its PD hours here.",
    "No feedback waiting.",
    "Nothing is due.",
    "Tell us your goals and rate yourself on the standards",
    "No credentials yet.",
)


def add_items(db, settings, w: World, start: int, count: int) -> None:
    """``count`` of everything the home shows, numbered from ``start``."""
    now = utcnow()
    mentorship = db.scalar(select(Mentorship).where(Mentorship.teacher_id == w.teacher.id))
    if mentorship is None:
        mentorship = Mentorship(
            organization_id=w.org.id, coach_id=w.coach.id, teacher_id=w.teacher.id
        )
        db.add(mentorship)
        db.flush()
    for n in range(start, start + count):
        active = published(db, w.org, f"Active module {n}")
        done = published(db, w.org, f"Done module {n}")
        published(db, w.org, f"Formative checks {n}")  # recommended by the teacher's goals
        cohort = published(
            db,
            w.org,
            f"Cohort module {n}",
            format="cohort",
            starts_on=(now - timedelta(days=10)).date(),
            ends_on=(now + timedelta(days=20 + n)).date(),
            capacity=30,
        )
        first = db.scalar(select(Activity).where(Activity.module_id == active.id))
        db.add_all(
            [
                Enrollment(
                    user_id=w.teacher.id,
                    module_id=active.id,
                    family_id=active.family_id,
                    enrolled_at=now - timedelta(days=n + 2),
                    updated_at=now - timedelta(minutes=n),  # module 0: worked in last
                    last_activity_id=first.id,
                ),
                Enrollment(
                    user_id=w.teacher.id,
                    module_id=cohort.id,
                    family_id=cohort.family_id,
                    enrolled_at=now - timedelta(days=30),
                    updated_at=now - timedelta(days=3),
                ),
                Enrollment(
                    user_id=w.teacher.id,
                    module_id=done.id,
                    family_id=done.family_id,
                    status=EnrollmentStatus.COMPLETED,
                    enrolled_at=now - timedelta(days=1),
                    completed_at=now,
                    pd_hours_awarded=Decimal("1.5"),
                ),
                CoachingGoal(
                    mentorship_id=mentorship.id,
                    title=f"Try cold calling {n}",
                    due_on=(now + timedelta(days=5 + n)).date(),
                ),
            ]
        )
        definition = make_definition(db, w.org, name=f"Questioning {n}")
        submission = Submission(
            organization_id=w.org.id,
            micro_credential_id=definition.id,
            user_id=w.teacher.id,
            status=SubmissionStatus.NOT_YET,
            submitted_at=now,
            reviewer_id=w.coach.id,
        )
        attempt = EvidenceAttempt(number=1, responses={"reflection": "Notes"}, submitted_at=now)
        submission.attempts.append(attempt)
        db.add(submission)
        db.flush()
        db.add(
            Review(
                organization_id=w.org.id,
                attempt_id=attempt.id,
                reviewer_id=w.coach.id,
                kind=ReviewKind.PRIMARY,
                decision=Decision.NOT_YET,
                feedback=f"Add a sample of student talk {n}.",
                turnaround_seconds=60,
            )
        )
        db.commit()
        issue_to(db, settings, w.org, w.teacher, name=f"Discourse {n}", key=f"home-{n}")


def test_a_new_teacher_sees_each_section_explained(web: WebClient, db) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    page = web.page("/")
    found = [text for text in EMPTY_STATES if text in page]
    assert found == list(EMPTY_STATES)
    assert f"since {overview.school_year_start().strftime('%-d %B %Y')}" in page


def test_the_home_shows_each_part_and_its_queries_do_not_grow(
    web: WebClient, db, settings, engine
) -> None:
    w = make_world(db)
    recommendations.save_profile(
        db, w.teacher, goals="formative checks", grade_band="6-8", subject="", ratings={}
    )
    db.commit()
    add_items(db, settings, w, 0, 1)
    web.sign_in(w.teacher.email)
    with counting(engine) as small:
        page = web.page("/")
    assert 'Key ideas<span class="muted"> in </span>Active module 0</a>' in page
    assert "0 of 3 required activities done." in page
    assert '<strong class="big-figure">1.5</strong> PD hours since' in page
    assert "Add a sample of student talk 0." in page
    assert "Try cold calling 0" in page
    assert "Cohort module 0</a>: the cohort ends" in page
    assert "Formative checks 0" in page
    assert "Why: " in page
    assert "Discourse 0" in page
    assert not [text for text in EMPTY_STATES if text in page]

    add_items(db, settings, w, 1, 3)
    with counting(engine) as large:
        page = web.page("/")
    assert '<strong class="big-figure">6</strong> PD hours since' in page
    assert page.count("Try cold calling") == 4
    assert page.count("Add a sample of student talk") == 4
    assert len(large) == len(small), (len(small), len(large))
