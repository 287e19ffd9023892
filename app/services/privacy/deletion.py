"""Delete my account: a request with a grace period, then erasure of the personal data.

At the request the person's sessions end; during the grace period signing in shows a banner and
she can cancel. When it is due, ``erase_due`` (``laurel privacy run`` and the worker) erases:
the user row is pseudonymized (kept, so counts and the audit trail still add up), sign-in state,
profile and preferences are deleted, texts she wrote are blanked, her stored files removed, and
her credentials revoked if she chose so (otherwise the copies she holds keep verifying; only their
public pages go away). Enrollments, completions, awards, issued-credential rows and audit events
stay, pointing to the pseudonymized row, so aggregates do not change.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Update, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import begin_writing, utcnow
from app.errors import Conflict, Invalid
from app.kit import audit
from app.kit.storage import storage_for
from app.kit.storage.transactions import delete_after_commit
from app.models import (
    AccessToken,
    ActivityProgress,
    Attachment,
    CoachingGoal,
    CoachingMessage,
    DataExport,
    DigestSubscription,
    EmailToken,
    Enrollment,
    EvidenceAttempt,
    EvidenceFile,
    Exemplar,
    FormSubmission,
    Invitation,
    IssuedCredential,
    LearnerProfile,
    Membership,
    Mentorship,
    ModuleFeedback,
    Notification,
    NotificationPreference,
    OidcIdentity,
    OutboxMessage,
    Post,
    PostReport,
    PostRevision,
    QuizAttempt,
    RateCounter,
    Resource,
    Review,
    ReviewScore,
    Role,
    SelfRating,
    Submission,
    Thread,
    User,
    UserSession,
)
from app.services.communities import search as community_search
from app.services.communities import threads as community_threads
from app.services.credentials import status_lists
from app.services.identity.passwords import verify_password
from app.services.identity.sessions import end_all_sessions
from app.settings import Settings

log = logging.getLogger(__name__)

DELETED_NAME = "Deleted account"
ERASED_TEXT = "[removed: the author deleted their account]"
REVOKE_REASON = "The holder deleted their Laurel account and asked for it to be revoked."
KEEP = "keep"
REVOKE = "revoke"


def pseudonymous_email(user_id: uuid.UUID) -> str:
    """The address an erased account is left with (reserved domain: it reaches no one)."""
    return f"deleted-{user_id}@deleted.invalid"


def _confirmed(user: User, confirmation: str) -> bool:
    typed = confirmation.strip()
    if not typed:
        return False
    if typed.lower() == user.email.lower():
        return True
    return user.password_hash is not None and verify_password(user.password_hash, confirmation)


def _check_not_last_admin(db: Session, user: User) -> None:
    """An organization must keep an administrator: the last one hands over first."""
    administered = [m.organization for m in user.memberships if m.role == Role.ADMIN]
    if not administered:
        return
    others = set(
        db.scalars(
            select(Membership.organization_id).where(
                Membership.organization_id.in_([o.id for o in administered]),
                Membership.role == Role.ADMIN,
                Membership.user_id != user.id,
            )
        )
    )
    alone = sorted(o.name for o in administered if o.id not in others)
    if alone:
        raise Conflict(
            f"You are the only administrator of {', '.join(alone)}. Make someone else an "
            "administrator first, so the organization is not left without one."
        )


def request_deletion(
    db: Session, settings: Settings, user: User, *, credentials: str, confirmation: str
) -> User:
    """Schedule the erasure after the grace period and sign the person out everywhere."""
    if user.deleted_at is not None or user.deletion_due_at is not None:
        raise Conflict("Your account is already scheduled for deletion.")
    if credentials not in (KEEP, REVOKE):
        raise Invalid("Choose what happens to your credentials.", field="credentials")
    if not _confirmed(user, confirmation):
        raise Invalid(
            "Type your e-mail address or your password exactly to confirm.", field="confirmation"
        )
    _check_not_last_admin(db, user)
    now = utcnow()
    user.deletion_requested_at = now
    user.deletion_due_at = now + timedelta(days=settings.privacy_deletion_grace_days)
    user.deletion_revokes_credentials = credentials == REVOKE
    end_all_sessions(db, user.id)
    audit.record(
        db,
        "account.deletion_requested",
        user,
        actor=user,
        due=user.deletion_due_at.isoformat(),
        credentials=credentials,
    )
    return user


def cancel_deletion(db: Session, user: User) -> User:
    """Keep the account after all (within the grace period)."""
    if user.deletion_due_at is None or user.deleted_at is not None:
        raise Conflict("Your account is not scheduled for deletion.")
    user.deletion_requested_at = None
    user.deletion_due_at = None
    user.deletion_revokes_credentials = False
    audit.record(db, "account.deletion_cancelled", user, actor=user)
    return user


@dataclass
class Erasure:
    """What one erasure did."""

    files_removed: int = 0
    credentials_revoked: int = 0
    texts_erased: int = 0


def _count(db: Session, statement: Update) -> int:
    return int(db.execute(statement.execution_options(synchronize_session=False)).rowcount)  # type: ignore[attr-defined]


def _remove_files(db: Session, settings: Settings, user: User) -> int:
    """Delete her evidence files, attachments, exemplars and exports (rows now, bytes after
    the commit)."""
    storage = storage_for(settings)
    attempts = (
        select(EvidenceAttempt.id)
        .join(Submission, EvidenceAttempt.submission_id == Submission.id)
        .where(Submission.user_id == user.id)
    )
    keys = set(
        db.scalars(select(EvidenceFile.storage_key).where(EvidenceFile.attempt_id.in_(attempts)))
    )
    db.execute(delete(EvidenceFile).where(EvidenceFile.attempt_id.in_(attempts)))
    exemplars = select(Exemplar.id).where(Exemplar.owner_id == user.id)
    attachment_filter = or_(
        Attachment.uploader_id == user.id, Attachment.exemplar_id.in_(exemplars)
    )
    keys |= set(db.scalars(select(Attachment.storage_key).where(attachment_filter)))
    db.execute(delete(Attachment).where(attachment_filter))
    db.execute(delete(Exemplar).where(Exemplar.owner_id == user.id))
    keys |= {
        k
        for k in db.scalars(select(DataExport.storage_key).where(DataExport.user_id == user.id))
        if k
    }
    db.execute(delete(DataExport).where(DataExport.user_id == user.id))
    still_used = set(
        db.scalars(select(EvidenceFile.storage_key).where(EvidenceFile.storage_key.in_(keys)))
    )
    for key in keys - still_used:
        delete_after_commit(db, storage, key)
    return len(keys - still_used)


def _erase_texts(db: Session, user: User) -> int:
    """Blank what she wrote and what was written about her work; keep the rows and numbers."""
    mine = select(Enrollment.id).where(Enrollment.user_id == user.id)
    submissions = select(Submission.id).where(Submission.user_id == user.id)
    attempts = select(EvidenceAttempt.id).where(EvidenceAttempt.submission_id.in_(submissions))
    reviews = select(Review.id).where(Review.attempt_id.in_(attempts))
    own_posts = select(Post.id).where(Post.author_id == user.id)
    pairs = select(Mentorship.id).where(Mentorship.teacher_id == user.id)
    erased = 0
    for statement in (
        update(ActivityProgress)
        .where(
            ActivityProgress.enrollment_id.in_(mine), ActivityProgress.response_text.is_not(None)
        )
        .values(response_text=None),
        update(QuizAttempt).where(QuizAttempt.enrollment_id.in_(mine)).values(answers={}),
        update(ModuleFeedback)
        .where(ModuleFeedback.enrollment_id.in_(mine), ModuleFeedback.comment.is_not(None))
        .values(comment=None),
        update(EvidenceAttempt)
        .where(EvidenceAttempt.submission_id.in_(submissions))
        .values(responses={}, links=[]),
        update(Review).where(Review.id.in_(reviews)).values(feedback=""),
        update(ReviewScore).where(ReviewScore.review_id.in_(reviews)).values(comment=""),
        update(Post)
        .where(Post.author_id == user.id)
        .values(body=ERASED_TEXT, body_html=f"<p>{ERASED_TEXT}</p>"),
        update(Thread).where(Thread.author_id == user.id).values(title=ERASED_TEXT),
        update(PostReport).where(PostReport.reporter_id == user.id).values(reason=ERASED_TEXT),
        update(Resource)
        .where(Resource.author_id == user.id)
        .values(title=ERASED_TEXT, description="", url=None, tags="", standards=""),
        update(CoachingMessage)
        .where(CoachingMessage.author_id == user.id)
        .values(body=ERASED_TEXT, body_html=f"<p>{ERASED_TEXT}</p>"),
        update(CoachingMessage)
        .where(CoachingMessage.mentorship_id.in_(pairs))
        .values(body=ERASED_TEXT, body_html=f"<p>{ERASED_TEXT}</p>"),
        update(CoachingGoal)
        .where(or_(CoachingGoal.mentorship_id.in_(pairs), CoachingGoal.created_by_id == user.id))
        .values(title=ERASED_TEXT, description=""),
    ):
        erased += _count(db, statement)
    db.execute(
        delete(PostRevision).where(
            or_(PostRevision.post_id.in_(own_posts), PostRevision.editor_id == user.id)
        )
    )
    return erased


def _scrub_mentions(db: Session, user: User) -> None:
    """Her name and address in what others received about her (notifications, e-mail kept in
    the outbox), replaced by the pseudonym."""
    pseudonym = pseudonymous_email(user.id)
    for old, new in ((user.email, pseudonym), (user.display_name, DELETED_NAME)):
        if len(old.strip()) < 3:
            continue
        pattern = f"%{old}%"
        db.execute(
            update(Notification)
            .where(or_(Notification.title.like(pattern), Notification.body.like(pattern)))
            .values(
                title=func.replace(Notification.title, old, new),
                body=func.replace(Notification.body, old, new),
            )
            .execution_options(synchronize_session=False)
        )
        db.execute(
            update(OutboxMessage)
            .where(
                or_(
                    OutboxMessage.subject.like(pattern),
                    OutboxMessage.body_text.like(pattern),
                    OutboxMessage.body_html.like(pattern),
                )
            )
            .values(
                subject=func.replace(OutboxMessage.subject, old, new),
                body_text=func.replace(OutboxMessage.body_text, old, new),
                body_html=func.replace(OutboxMessage.body_html, old, new),
            )
            .execution_options(synchronize_session=False)
        )


def _unindex(db: Session, user: User) -> None:
    """Take her posts, threads and resources out of the community search index; posts of others
    in her threads are indexed again (their entries carry the thread's title)."""
    threads = list(db.scalars(select(Thread.id).where(Thread.author_id == user.id)))
    for post_id, opening, thread_id in db.execute(
        select(Post.id, Post.is_opening, Post.thread_id).where(Post.author_id == user.id)
    ):
        community_search.unindex(
            db, "thread" if opening else "post", thread_id if opening else post_id
        )
    for thread_id in threads:
        community_search.unindex(db, "thread", thread_id)
    for resource_id in db.scalars(select(Resource.id).where(Resource.author_id == user.id)):
        community_search.unindex(db, "resource", resource_id)
    others = select(Post).where(
        Post.thread_id.in_(threads), or_(Post.author_id.is_(None), Post.author_id != user.id)
    )
    for post in db.scalars(others):
        community_threads.index_post(db, post)


def _credentials(db: Session, settings: Settings, user: User) -> int:
    """Hide her credentials' public pages; revoke them if she chose so."""
    rows = list(
        db.scalars(select(IssuedCredential).where(IssuedCredential.recipient_user_id == user.id))
    )
    revoked = 0
    now = utcnow()
    for row in rows:
        row.is_public = False
        row.recipient_email = pseudonymous_email(user.id)
        if user.deletion_revokes_credentials and row.revoked_at is None:
            row.revoked_at = now
            row.revocation_reason = REVOKE_REASON
            status_lists.set_bit(db, settings, row.status_list, row.status_index, revoked=True)
            audit.record(db, "credential.revoked", row, actor=None, reason=REVOKE_REASON)
            revoked += 1
    return revoked


def erase(db: Session, settings: Settings, user: User) -> Erasure:
    """Erase one person's personal data in the caller's transaction."""
    result = Erasure()
    old_email = user.email
    result.credentials_revoked = _credentials(db, settings, user)
    result.files_removed = _remove_files(db, settings, user)
    result.texts_erased = _erase_texts(db, user)
    db.expire_all()
    _unindex(db, user)
    _scrub_mentions(db, user)
    db.execute(delete(Notification).where(Notification.user_id == user.id))
    for model in (
        UserSession,
        EmailToken,
        AccessToken,
        OidcIdentity,
        LearnerProfile,
        SelfRating,
        NotificationPreference,
        DigestSubscription,
        FormSubmission,
    ):
        db.execute(delete(model).where(model.user_id == user.id))
    # Memberships stay, so the organization's reports add up as before; they grant nothing.
    db.execute(
        update(Membership)
        .where(Membership.user_id == user.id)
        .values(role=Role.TEACHER)
        .execution_options(synchronize_session=False)
    )
    db.execute(delete(OutboxMessage).where(OutboxMessage.to_address == old_email))
    db.execute(
        update(Invitation)
        .where(Invitation.email == old_email)
        .values(email=pseudonymous_email(user.id))
        .execution_options(synchronize_session=False)
    )
    db.execute(delete(RateCounter).where(RateCounter.key.like(f"%{old_email}%")))
    user.email = pseudonymous_email(user.id)
    user.display_name = DELETED_NAME
    user.password_hash = None
    user.did = None
    user.email_verified_at = None
    user.is_active = False
    user.is_platform_admin = False
    user.deletion_due_at = None
    user.deleted_at = utcnow()
    audit.record(
        db,
        "account.erased",
        user,
        actor=None,
        files_removed=result.files_removed,
        credentials_revoked=result.credentials_revoked,
    )
    return result


def due(db: Session) -> list[uuid.UUID]:
    """The accounts whose grace period is over."""
    return list(
        db.scalars(
            select(User.id).where(
                User.deletion_due_at.is_not(None),
                User.deletion_due_at <= utcnow(),
                User.deleted_at.is_(None),
            )
        )
    )


def erase_due(session_factory: sessionmaker[Session], settings: Settings) -> int:
    """Erase every account whose grace period is over, each in its own transaction."""
    with session_factory() as db:
        ids = due(db)
    erased = 0
    for user_id in ids:
        with session_factory() as db:
            begin_writing(db)
            user = db.get(User, user_id, with_for_update=True)
            if user is None or user.deleted_at is not None or user.deletion_due_at is None:
                continue
            try:
                erase(db, settings, user)
                db.commit()
                erased += 1
            except Exception:
                log.exception("erasing account %s failed", user_id)
                db.rollback()
    return erased
