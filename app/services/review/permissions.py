"""Who may see and do what in review, each rule once (no HTTP, no database I/O).

Blind second review: the coach asked for a calibration review of the latest submitted attempt
reads no review of that attempt until theirs is recorded; earlier attempts they read in full, as
every reviewer does. The teacher reads the decisions (primary reviews), never second reviews.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.errors import Forbidden
from app.models import EvidenceAttempt, Review, ReviewKind, Role, Submission, SubmissionStatus, User
from app.services.orgs.permissions import has_role


def can_review_evidence(user: User, organization_id: uuid.UUID) -> bool:
    """Coaches and administrators of the organization review evidence submitted there."""
    return has_role(user, organization_id, Role.COACH)


def can_manage_reviews(user: User, organization_id: uuid.UUID) -> bool:
    """Administrators assign reviews, ask for calibration and see turnaround figures."""
    return has_role(user, organization_id, Role.ADMIN)


def latest_submitted(submission: Submission) -> EvidenceAttempt:
    """The newest attempt that was submitted."""
    return [a for a in submission.attempts if a.submitted_at is not None][-1]


def is_blind(user: User, submission: Submission) -> bool:
    """Whether the person is the second reviewer who has not yet recorded their review."""
    if submission.calibration_reviewer_id != user.id:
        return False
    return latest_submitted(submission).review_of(ReviewKind.CALIBRATION) is None


def may_see_attempt(user: User, submission: Submission, attempt: EvidenceAttempt) -> bool:
    """The teacher sees every attempt; the organization's reviewers (and the coaches assigned to
    the submission) see submitted ones."""
    if submission.user_id == user.id:
        return True
    return attempt.submitted_at is not None and (
        can_review_evidence(user, submission.organization_id)
        or user.id in {submission.reviewer_id, submission.calibration_reviewer_id}
    )


def visible_attempts(user: User, submission: Submission) -> list[EvidenceAttempt]:
    """The attempts the person may see, oldest first."""
    return [a for a in submission.attempts if may_see_attempt(user, submission, a)]


def readable_reviews(user: User, submission: Submission, attempt: EvidenceAttempt) -> list[Review]:
    """The reviews of one attempt the person may read (see the module's docstring)."""
    if not may_see_attempt(user, submission, attempt):
        return []
    if submission.user_id == user.id:
        return [r for r in attempt.reviews if r.kind == ReviewKind.PRIMARY]
    if is_blind(user, submission) and attempt is latest_submitted(submission):
        return []
    return list(attempt.reviews)


@dataclass(frozen=True)
class AttemptReviews:
    """An attempt the person may see, with the reviews of it they may read."""

    attempt: EvidenceAttempt
    reviews: list[Review]


def history(user: User, submission: Submission) -> list[AttemptReviews]:
    """Every attempt the person may see, oldest first, each with the reviews they may read."""
    return [
        AttemptReviews(a, readable_reviews(user, submission, a))
        for a in visible_attempts(user, submission)
    ]


def may_be_assigned(coach: User, submission: Submission) -> bool:
    """Whether an administrator may give this submission to the coach: never to its teacher."""
    return coach.id != submission.user_id


def may_give_second_review(coach: User, submission: Submission) -> bool:
    """Whether the coach may be asked for the blind second review of the latest attempt: neither
    its teacher nor whoever reviews (or reviewed) that attempt first."""
    if not may_be_assigned(coach, submission) or coach.id == submission.reviewer_id:
        return False
    primary = latest_submitted(submission).review_of(ReviewKind.PRIMARY)
    return primary is None or primary.reviewer_id != coach.id


@dataclass(frozen=True)
class Candidates:
    """The coaches an administrator may choose for one submission."""

    reviewers: list[User]
    second: list[User]


def candidates(coaches: list[User], submission: Submission) -> Candidates:
    """Of the organization's coaches, who may review the submission and who may review it second."""
    return Candidates(
        [c for c in coaches if may_be_assigned(c, submission)],
        [c for c in coaches if may_give_second_review(c, submission)],
    )


def can_use_queue(user: User) -> bool:
    """Whether the person has a review queue: a coach or administrator somewhere, or a platform
    administrator (who sees every organization's)."""
    return user.is_platform_admin or any(
        can_review_evidence(user, m.organization_id) for m in user.memberships
    )


def owns(user: User | None, submission: Submission) -> bool:
    """Whether the person is the teacher whose evidence this is."""
    return user is not None and user.id == submission.user_id


def forbid_self_review(user: User, submission: Submission) -> None:
    """Nobody reviews their own evidence."""
    if submission.user_id == user.id:
        raise Forbidden("You cannot review your own evidence.")


def may_release(user: User, submission: Submission) -> bool:
    """The coach reviewing the submission, or an administrator, gives it back to the queue."""
    return submission.reviewer_id == user.id or can_manage_reviews(user, submission.organization_id)


def holds_or_free(user: User, submission: Submission) -> bool:
    """Whether nobody else is reviewing the submission (administrators may step in anyway)."""
    return submission.reviewer_id in (None, user.id) or can_manage_reviews(
        user, submission.organization_id
    )


def _waiting(submission: Submission) -> bool:
    return submission.status == SubmissionStatus.SUBMITTED


def can_claim(user: User, submission: Submission) -> bool:
    """A waiting submission nobody reviews yet, and not the person's own."""
    return _waiting(submission) and submission.user_id != user.id and submission.reviewer_id is None


def can_release(user: User, submission: Submission) -> bool:
    """A waiting, claimed submission its reviewer (or an administrator) may give back."""
    return (
        _waiting(submission)
        and submission.reviewer_id is not None
        and may_release(user, submission)
    )


def can_decide(user: User, submission: Submission) -> bool:
    """A waiting submission, not the person's own, that nobody else reviews, and not one they are
    asked to review blind (their review of it is the second one, not the decision)."""
    return (
        _waiting(submission)
        and submission.user_id != user.id
        and holds_or_free(user, submission)
        and not is_blind(user, submission)
    )


@dataclass(frozen=True)
class Allowed:
    """What the review page offers the person for one submission."""

    blind: bool
    claim: bool
    release: bool
    decide: bool

    @property
    def calibrate(self) -> bool:
        """The blind second reviewer records their review."""
        return self.blind


def allowed(user: User, submission: Submission) -> Allowed:
    """The review page's actions for this person and submission."""
    return Allowed(
        blind=is_blind(user, submission),
        claim=can_claim(user, submission),
        release=can_release(user, submission),
        decide=can_decide(user, submission),
    )
