"""Privacy test helpers: a teacher with something in every table, and a scan of every column."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, String, Text, cast, func, select, text
from sqlalchemy.orm import Session

from app.db import Base, utcnow
from app.models import (
    Activity,
    ActivityKind,
    ActivityProgress,
    AuditEvent,
    Award,
    CoachingGoal,
    CoachingMessage,
    CommunityMember,
    Enrollment,
    EnrollmentStatus,
    IssuedCredential,
    LearnerProfile,
    Mentorship,
    ModuleFeedback,
    Post,
    QuizAttempt,
    Submission,
    User,
)
from app.services.communities import membership as communities
from app.services.communities import threads as community_threads
from app.services.identity import sessions
from app.services.learning import enrollment as enrolling
from app.settings import Settings
from app.web.access import SESSION_COOKIE
from tests.learning_support import published
from tests.review.support import (
    MINIMAL_PDF,
    World,
    make_world,
    png_bytes,
    review_form,
    submit_evidence,
)
from tests.support import WebClient

TEXTS = {
    "reflection": "Exit tickets showed me zorblax misconceptions",
    "evidence": "I tried exit tickets with quibbleflux groups",
    "post": "Has anyone tried snarfwidget warm-ups?",
    "thread": "Warm-up ideas for plinkerton classes",
    "message": "Can we meet about frobnicate seating?",
    "feedback": "Loved the vorpal examples",
    "goals": "Improve glimmerdash questioning",
    "review": "Strong use of wibbleton data",
}


def login(web: WebClient, email: str) -> None:
    """Sign in without the password form (argon2 is slow; the form is tested elsewhere)."""
    db = web.db
    user = db.scalar(select(User).where(User.email == email))
    assert user is not None, email
    raw = sessions.start_session(db, web.settings, user, ip=None, user_agent="tests")
    db.commit()
    for cookie in list(web.client.cookies.jar):
        if cookie.name == SESSION_COOKIE:
            web.client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    web.client.cookies.set(SESSION_COOKIE, raw)


@dataclass
class Rich:
    """The review world, its teacher having data in every feature."""

    world: World
    submission: Submission
    mentorship: Mentorship


def _learning(db: Session, w: World) -> None:
    module = published(db, w.org)
    for user, written in ((w.teacher, TEXTS["reflection"]), (w.teacher2, "Theo's own reflection")):
        enrollment = enrolling.enroll(db, user, module.id)
        activities = list(db.scalars(select(Activity).where(Activity.module_id == module.id)))
        reflection = next(a for a in activities if a.kind == ActivityKind.REFLECTION)
        quiz = next(a for a in activities if a.kind == ActivityKind.QUIZ)
        db.add(
            ActivityProgress(
                enrollment_id=enrollment.id,
                activity_id=reflection.id,
                completed_at=utcnow(),
                response_text=written,
            )
        )
        db.add(
            QuizAttempt(
                enrollment_id=enrollment.id,
                activity_id=quiz.id,
                attempt_no=1,
                answers={"q1": ["a"]},
                score=100,
                passed=True,
                submitted_at=utcnow(),
            )
        )
        enrollment.status = EnrollmentStatus.COMPLETED
        enrollment.completed_at = utcnow()
        db.add(
            ModuleFeedback(
                enrollment_id=enrollment.id,
                module_id=module.id,
                rating=5,
                comment=TEXTS["feedback"] if user is w.teacher else "Theo liked it",
            )
        )
    db.add(LearnerProfile(user_id=w.teacher.id, goals=TEXTS["goals"], subject="Math"))
    db.commit()


def _community(db: Session, settings: Settings, w: World) -> None:
    """A thread she opens and the coach answers, through the service (so it is indexed)."""
    community = communities.create_community(db, w.org, w.coach, slug="math", name="Math circle")
    db.flush()
    db.add(CommunityMember(community_id=community.id, user_id=w.teacher.id))
    db.flush()
    ctx = communities.access(db, w.org, "math", w.teacher)
    thread = community_threads.create_thread(
        db, settings, ctx, title=TEXTS["thread"], body=TEXTS["post"]
    )
    coach_ctx = communities.access(db, w.org, "math", w.coach)
    community_threads.reply(
        db, settings, coach_ctx, thread.id, body="Try a quick think-pair-share."
    )
    db.commit()


def search_hits(db: Session, word: str) -> int:
    """Entries of the community search index holding a word."""
    if db.get_bind().dialect.name == "postgresql":
        sql = "SELECT count(*) FROM community_fts WHERE document @@ plainto_tsquery('english', :w)"
    else:
        sql = "SELECT count(*) FROM community_fts WHERE community_fts MATCH :w"
    return int(db.scalar(text(sql), {"w": word}) or 0)


def _coaching(db: Session, w: World) -> Mentorship:
    pair = Mentorship(organization_id=w.org.id, coach_id=w.coach.id, teacher_id=w.teacher.id)
    db.add(pair)
    db.flush()
    db.add(CoachingGoal(mentorship_id=pair.id, title="Questioning", description=TEXTS["goals"]))
    db.add(
        CoachingMessage(
            mentorship_id=pair.id,
            author_id=w.teacher.id,
            body=TEXTS["message"],
            body_html=f"<p>{TEXTS['message']}</p>",
        )
    )
    db.add(
        CoachingMessage(
            mentorship_id=pair.id,
            author_id=w.coach.id,
            body="Private: coach's own note",
            body_html="<p>Private: coach's own note</p>",
            private=True,
        )
    )
    db.commit()
    return pair


def make_rich(db: Session, teacher_web: WebClient, coach_web: WebClient) -> Rich:
    """A teacher (``world.teacher``) with data in every feature: learning, an earned submission
    with two files and a credential, a community thread, coaching; and ``teacher2`` alongside."""
    w = make_world(db)
    _learning(db, w)
    login(teacher_web, w.teacher.email)
    sent = submit_evidence(
        teacher_web,
        w.definition,
        files=[("plan.pdf", MINIMAL_PDF), ("board.png", png_bytes())],
        reflection=TEXTS["evidence"],
    )
    assert sent.status_code == 303, sent.text
    submission = db.scalars(select(Submission).where(Submission.user_id == w.teacher.id)).one()
    login(coach_web, w.coach.email)
    decided = coach_web.post(
        f"/review/{submission.id}/decision",
        review_form(1, "earned", (3, 4, 3), TEXTS["review"]),
    )
    assert decided.status_code == 303, decided.text
    _community(db, teacher_web.settings, w)
    pair = _coaching(db, w)
    db.expire_all()
    return Rich(w, submission, pair)


def zip_documents(content: bytes) -> tuple[dict[str, Any], list[str], zipfile.ZipFile]:
    """The ZIP's index, its names and the archive."""
    import json

    archive = zipfile.ZipFile(io.BytesIO(content))
    return json.loads(archive.read("index.json")), archive.namelist(), archive


def text_hits(db: Session, needles: list[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a text or JSON column of any table holds a needle."""
    hits = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text | JSON):
                continue
            as_text = cast(column, Text) if isinstance(column.type, JSON) else column
            for needle in needles:
                found = db.scalar(
                    select(func.count()).select_from(table).where(as_text.like(f"%{needle}%"))
                )
                if found:
                    hits.append((table.name, column.name, needle))
    return hits


def aggregate_counts(db: Session) -> dict[str, int]:
    """The figures reports are built on."""
    db.expire_all()

    def count(query: Any) -> int:
        return db.scalar(select(func.count()).select_from(query.subquery())) or 0

    return {
        "enrollments": count(select(Enrollment.id)),
        "completions": count(select(Enrollment.id).where(Enrollment.completed_at.is_not(None))),
        "awards": count(select(Award.id)),
        "credentials": count(select(IssuedCredential.id)),
        "submissions": count(select(Submission.id)),
        "posts": count(select(Post.id)),
    }


def audit_count(db: Session) -> int:
    """How many audit events there are."""
    return db.scalar(select(func.count(AuditEvent.id))) or 0
