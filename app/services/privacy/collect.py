"""Everything Laurel holds about one person, gathered as JSON-ready data and stored files.

``gather`` reads each table named in ``tables.EXPORTED`` (one query per table, whatever the
number of rows) and returns the export's files: a JSON document per topic and the stored files
(evidence, attachments) to copy into the ZIP.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    AccessToken,
    Activity,
    ActivityProgress,
    Attachment,
    AuditEvent,
    Award,
    CoachingGoal,
    CoachingMessage,
    CommunityMember,
    DataExport,
    DigestSubscription,
    Enrollment,
    EvidenceAttempt,
    Exemplar,
    Invitation,
    IssuedCredential,
    LearnerProfile,
    Mentorship,
    Module,
    ModuleFeedback,
    Notification,
    NotificationPreference,
    OidcIdentity,
    OutboxMessage,
    PathwayCompletion,
    Post,
    PostReport,
    PostRevision,
    QuizAttempt,
    Reaction,
    Resource,
    ResourceVote,
    Review,
    SelfRating,
    Submission,
    Thread,
    User,
    UserSession,
)
from app.services.privacy import labels
from app.services.review import permissions as review_rules

DESCRIPTIONS: dict[str, str] = {
    "profile.json": "Your account, learner profile, self-ratings, organization memberships, "
    "sign-in links, access tokens (names only), signed-in devices, invitations and preferences.",
    "enrollments.json": "The modules you enrolled in, your progress and completed pathways.",
    "reflections.json": "What you wrote in module reflections and activities.",
    "quiz_attempts.json": "Every quiz attempt: your answers, score and whether it passed.",
    "module_feedback.json": "The end-of-module survey ratings and comments you gave.",
    "submissions.json": "Your evidence submissions: every attempt, its texts, links and files "
    "(in files/evidence/), and the reviews you may read.",
    "credentials.json": "Your awards and credentials, each in both signed forms (also in "
    "credentials/ as .json and .jwt files).",
    "posts.json": "Your community memberships, threads, posts and their earlier versions, "
    "reactions, reports, shared resources, exemplars and attachments (in files/attachments/).",
    "messages.json": "Your coaching relationships, goals and messages.",
    "notifications.json": "The notifications Laurel showed you.",
    "audit_events.json": "The audit trail entries about your records or your own actions.",
    "exports.json": "Your earlier requests to download your data.",
    "emails.json": "The e-mails Laurel sent to your address (subject and text).",
}
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Gathered:
    """The export's JSON documents (file name -> data) and stored files (zip path -> key)."""

    documents: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    """Extra text files (zip path -> content): the credentials' JWTs and JSON-LD."""


def plain(value: Any) -> Any:
    """A value as JSON can hold it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def row(obj: Any, *names: str) -> dict[str, Any]:
    """Chosen columns of a row as a JSON-ready dict."""
    return {name: plain(getattr(obj, name)) for name in names}


def safe_name(name: str) -> str:
    """A file name safe inside a ZIP (no folders, no odd characters)."""
    cleaned = UNSAFE_NAME.sub("_", name).strip("._") or "file"
    return cleaned[:120]


def _all(db: Session, query: Any) -> list[Any]:
    return list(db.scalars(query).unique())


def _profile(db: Session, user: User) -> dict[str, Any]:
    learner = db.scalar(select(LearnerProfile).where(LearnerProfile.user_id == user.id))
    prefs = _all(
        db, select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )
    digest = db.scalar(select(DigestSubscription).where(DigestSubscription.user_id == user.id))
    return {
        "user": row(
            user,
            "id",
            "email",
            "display_name",
            "did",
            "email_verified_at",
            "is_platform_admin",
            "created_at",
            "deletion_requested_at",
            "deletion_due_at",
        ),
        "learner_profile": row(
            learner,
            "goals",
            "grade_band",
            "subject",
            "share_demographics",
            "gender",
            "race_ethnicity",
            "years_experience",
        )
        if learner
        else None,
        "self_ratings": [
            {"standard": r.standard.name, "rating": r.rating}
            for r in _all(db, select(SelfRating).where(SelfRating.user_id == user.id))
        ],
        "memberships": [
            {
                "organization": m.organization.name,
                "role": m.role.value,
                "school": m.school,
                "since": plain(m.created_at),
            }
            for m in user.memberships
        ],
        "sign_in_links": [
            {"provider": i.provider_id and str(i.provider_id), "subject": i.subject}
            | row(i, "created_at")
            for i in _all(db, select(OidcIdentity).where(OidcIdentity.user_id == user.id))
        ],
        "access_tokens": [
            row(t, "name", "prefix", "scopes", "created_at", "last_used_at", "expires_at")
            | {"revoked_at": plain(t.revoked_at)}
            for t in _all(db, select(AccessToken).where(AccessToken.user_id == user.id))
        ],
        "signed_in_devices": [
            row(s, "created_at", "last_seen_at", "expires_at", "user_agent", "ip_address")
            for s in _all(db, select(UserSession).where(UserSession.user_id == user.id))
        ],
        "invitations": [
            {"organization": i.organization.name, "role": i.role.value}
            | row(i, "created_at", "accepted_at", "revoked_at")
            for i in _all(db, select(Invitation).where(Invitation.email == user.email))
        ],
        "notification_preferences": [row(p, "kind", "email") for p in prefs],
        "community_digest": row(digest, "frequency", "last_sent_at") if digest else None,
    }


def _enrollments(db: Session, user: User) -> tuple[dict[str, Any], dict[str, Any]]:
    enrollments = _all(db, select(Enrollment).where(Enrollment.user_id == user.id))
    modules = {
        m.id: m.title
        for m in db.scalars(select(Module).where(Module.id.in_([e.module_id for e in enrollments])))
    }
    ids = [e.id for e in enrollments]
    progress = _all(db, select(ActivityProgress).where(ActivityProgress.enrollment_id.in_(ids)))
    activities = {
        a.id: a.title
        for a in db.scalars(
            select(Activity).where(Activity.id.in_({p.activity_id for p in progress}))
        )
    }
    completions = _all(db, select(PathwayCompletion).where(PathwayCompletion.user_id == user.id))
    enrolled = {
        "enrollments": [
            {"module": modules.get(e.module_id, "")}
            | row(e, "id", "status", "enrolled_at", "completed_at", "pd_hours_awarded")
            for e in enrollments
        ],
        "activity_progress": [
            {"activity": activities.get(p.activity_id, "")}
            | row(p, "enrollment_id", "completed_at")
            for p in progress
        ],
        "pathway_completions": [row(c, "pathway_id", "completed_at") for c in completions],
    }
    module_of = {e.id: e.module_id for e in enrollments}
    reflections = {
        "reflections": [
            {
                "module": modules.get(module_of[p.enrollment_id], ""),
                "activity": activities.get(p.activity_id, ""),
                "text": p.response_text,
            }
            | row(p, "updated_at")
            for p in progress
            if p.response_text
        ]
    }
    return enrolled, reflections


def _quiz_and_feedback(db: Session, user: User) -> tuple[dict[str, Any], dict[str, Any]]:
    mine = select(Enrollment.id).where(Enrollment.user_id == user.id)
    attempts = _all(db, select(QuizAttempt).where(QuizAttempt.enrollment_id.in_(mine)))
    feedback = _all(db, select(ModuleFeedback).where(ModuleFeedback.enrollment_id.in_(mine)))
    return (
        {
            "quiz_attempts": [
                row(a, "enrollment_id", "activity_id", "attempt_no", "answers", "score", "passed")
                | {"submitted_at": plain(a.submitted_at)}
                for a in attempts
            ]
        },
        {
            "module_feedback": [
                row(f, "enrollment_id", "module_id", "rating", "comment", "created_at")
                for f in feedback
            ]
        },
    )


def _submissions(db: Session, user: User, out: Gathered) -> dict[str, Any]:
    submissions = _all(
        db,
        select(Submission)
        .where(Submission.user_id == user.id)
        .options(
            selectinload(Submission.attempts).selectinload(EvidenceAttempt.files),
            selectinload(Submission.attempts)
            .selectinload(EvidenceAttempt.reviews)
            .selectinload(Review.scores),
        ),
    )
    paths: dict[str, str] = {}
    items = []
    for submission in submissions:
        attempts = []
        for attempt in review_rules.visible_attempts(user, submission):
            files = []
            for stored in attempt.files:
                path = paths.get(stored.storage_key)
                if path is None:
                    path = f"files/evidence/{stored.id}-{safe_name(stored.filename)}"
                    paths[stored.storage_key] = path
                    out.files[path] = stored.storage_key
                files.append(
                    row(stored, "requirement", "filename", "content_type", "size", "sha256")
                    | {"path_in_this_zip": path}
                )
            reviews = [
                row(r, "kind", "decision", "feedback", "total_points", "decided_at")
                | {
                    "reviewer": r.reviewer.display_name if r.reviewer else None,
                    "scores": [row(s, "criterion", "level", "points", "comment") for s in r.scores],
                }
                for r in review_rules.readable_reviews(user, submission, attempt)
            ]
            attempts.append(
                row(attempt, "number", "responses", "links", "created_at", "submitted_at")
                | {"files": files, "reviews": reviews}
            )
        items.append(
            {"micro_credential": submission.micro_credential.name}
            | row(submission, "id", "status", "submitted_at", "decided_at", "public_evidence")
            | {"attempts": attempts}
        )
    return {"submissions": items}


def _credentials(db: Session, user: User, out: Gathered) -> dict[str, Any]:
    awards = _all(db, select(Award).where(Award.user_id == user.id))
    credentials = _all(
        db, select(IssuedCredential).where(IssuedCredential.recipient_user_id == user.id)
    )
    for credential in credentials:
        out.texts[f"credentials/{credential.id}.json"] = json.dumps(
            credential.credential_json, indent=2
        )
        out.texts[f"credentials/{credential.id}.jwt"] = credential.credential_jwt
    return {
        "awards": [
            {"micro_credential": a.micro_credential.name}
            | row(a, "id", "status", "awarded_at", "credential_id")
            for a in awards
        ],
        "credentials": [
            {"issuer": c.organization.name, "state": c.state}
            | row(
                c,
                "id",
                "achievement_name",
                "recipient_email",
                "issued_at",
                "valid_from",
                "valid_until",
                "revoked_at",
                "revocation_reason",
                "is_public",
                "credential_json",
                "credential_jwt",
            )
            for c in credentials
        ],
    }


def _posts(db: Session, user: User, out: Gathered) -> dict[str, Any]:
    posts = _all(db, select(Post).where(Post.author_id == user.id))
    attachments = _all(db, select(Attachment).where(Attachment.uploader_id == user.id))
    for attachment in attachments:
        out.files[f"files/attachments/{attachment.id}-{safe_name(attachment.filename)}"] = (
            attachment.storage_key
        )
    return {
        "community_memberships": [
            {"community": m.community.name} | row(m, "role", "status", "created_at")
            for m in _all(
                db,
                select(CommunityMember)
                .where(CommunityMember.user_id == user.id)
                .options(selectinload(CommunityMember.community)),
            )
        ],
        "threads": [
            row(t, "id", "community_id", "title", "created_at")
            for t in _all(db, select(Thread).where(Thread.author_id == user.id))
        ],
        "posts": [
            row(p, "id", "thread_id", "is_opening", "body", "status", "created_at", "edited_at")
            for p in posts
        ],
        "post_revisions": [
            row(r, "post_id", "body", "created_at")
            for r in _all(
                db,
                select(PostRevision).where(
                    or_(
                        PostRevision.editor_id == user.id,
                        PostRevision.post_id.in_([p.id for p in posts]),
                    )
                ),
            )
        ],
        "reactions": [
            row(r, "post_id", "kind", "created_at")
            for r in _all(db, select(Reaction).where(Reaction.user_id == user.id))
        ],
        "reports": [
            row(r, "post_id", "reason", "status", "created_at")
            for r in _all(db, select(PostReport).where(PostReport.reporter_id == user.id))
        ],
        "resources": [
            row(r, "id", "title", "description", "url", "tags", "created_at")
            for r in _all(db, select(Resource).where(Resource.author_id == user.id))
        ],
        "resource_votes": [
            {"resource_id": str(v.resource_id)}
            for v in _all(db, select(ResourceVote).where(ResourceVote.user_id == user.id))
        ],
        "exemplars": [
            row(e, "id", "title", "reflection", "consented_at", "withdrawn_at")
            for e in _all(db, select(Exemplar).where(Exemplar.owner_id == user.id))
        ],
        "attachments": [
            row(a, "id", "filename", "content_type", "size", "created_at")
            | {"path_in_this_zip": f"files/attachments/{a.id}-{safe_name(a.filename)}"}
            for a in attachments
        ],
    }


def _messages(db: Session, user: User) -> dict[str, Any]:
    pairs = _all(
        db,
        select(Mentorship).where(
            or_(Mentorship.teacher_id == user.id, Mentorship.coach_id == user.id)
        ),
    )
    ids = [m.id for m in pairs]
    goals = _all(db, select(CoachingGoal).where(CoachingGoal.mentorship_id.in_(ids)))
    # another person's private notes are theirs; one's own are included
    messages = _all(
        db,
        select(CoachingMessage)
        .where(CoachingMessage.mentorship_id.in_(ids))
        .where(or_(CoachingMessage.private.is_(False), CoachingMessage.author_id == user.id))
        .order_by(CoachingMessage.created_at),
    )
    return {
        "mentorships": [
            {
                "id": str(m.id),
                "organization": m.organization.name,
                "coach": m.coach.display_name,
                "teacher": m.teacher.display_name,
            }
            | row(m, "created_at", "ended_at")
            for m in pairs
        ],
        "goals": [
            row(g, "mentorship_id", "title", "description", "status", "due_on", "created_at")
            for g in goals
        ],
        "messages": [
            {
                "author": "you"
                if m.author_id == user.id
                else (m.author.display_name if m.author else None)
            }
            | row(m, "mentorship_id", "body", "private", "created_at")
            for m in messages
        ],
    }


def _audit(db: Session, user: User) -> dict[str, Any]:
    events = _all(
        db,
        select(AuditEvent)
        .where(or_(AuditEvent.subject_id == user.id, AuditEvent.actor_id == user.id))
        .order_by(AuditEvent.at),
    )
    actors = {
        u.id: u.display_name
        for u in db.scalars(
            select(User).where(User.id.in_({e.actor_id for e in events if e.actor_id}))
        )
    }
    return {
        "audit_events": [
            {
                "at": plain(e.at),
                "action": e.action,
                "what": labels.label(e.action),
                "by": "you"
                if e.actor_id == user.id
                else (actors.get(e.actor_id, "") if e.actor_id else "Laurel (automatic)"),
                "target_type": e.target_type,
                "target_id": e.target_id,
                # the details and address of others' actions may name other people
                "client_address": e.client_address if e.actor_id == user.id else None,
                "detail": plain(e.detail) if e.actor_id == user.id else None,
            }
            for e in events
        ]
    }


def gather(db: Session, user: User) -> Gathered:
    """Everything about ``user``: the export's documents and stored files."""
    out = Gathered()
    enrolled, reflections = _enrollments(db, user)
    quizzes, feedback = _quiz_and_feedback(db, user)
    out.documents = {
        "profile.json": _profile(db, user),
        "enrollments.json": enrolled,
        "reflections.json": reflections,
        "quiz_attempts.json": quizzes,
        "module_feedback.json": feedback,
        "submissions.json": _submissions(db, user, out),
        "credentials.json": _credentials(db, user, out),
        "posts.json": _posts(db, user, out),
        "messages.json": _messages(db, user),
        "notifications.json": {
            "notifications": [
                row(n, "kind", "title", "body", "url", "read_at", "created_at")
                for n in _all(
                    db,
                    select(Notification)
                    .where(Notification.user_id == user.id)
                    .order_by(Notification.created_at),
                )
            ]
        },
        "audit_events.json": _audit(db, user),
        "exports.json": {
            "exports": [
                row(x, "id", "status", "requested_at", "ready_at", "expires_at", "size_bytes")
                for x in _all(db, select(DataExport).where(DataExport.user_id == user.id))
            ]
        },
        "emails.json": {
            "emails": [
                row(m, "subject", "body_text", "status", "created_at", "sent_at")
                for m in _all(
                    db,
                    select(OutboxMessage)
                    .where(OutboxMessage.to_address == user.email)
                    .order_by(OutboxMessage.created_at),
                )
            ]
        },
    }
    return out


def counts(document: dict[str, Any]) -> dict[str, int]:
    """How many items each list of a document holds (for the index)."""
    return {key: len(value) for key, value in document.items() if isinstance(value, list)}
