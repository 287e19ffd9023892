"""JSON API: evidence submissions (evidence:read / evidence:write) and reviews (reviews:read /
reviews:write) for coach tools and integrations."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, UploadFile

from app.kit.storage.uploads import Upload
from app.models import ReviewKind, Submission, User
from app.routers.review.schemas import (
    AttemptRead,
    DecisionCreate,
    DraftUpdate,
    ReviewRead,
    SubmissionDetail,
    SubmissionRead,
    SubmitRequest,
)
from app.services.review import decisions as reviews
from app.services.review import evidence
from app.web.access import ApiToken, AppSettings, Db
from app.web.api_errors import ERROR_RESPONSES
from app.web.common import TransactionalRoute

router = APIRouter(
    prefix="/api/v1",
    route_class=TransactionalRoute,
    tags=["evidence and reviews"],
    responses=ERROR_RESPONSES,
)
EvidenceReader = Annotated[User, Depends(ApiToken("evidence:read"))]
EvidenceWriter = Annotated[User, Depends(ApiToken("evidence:write"))]
ReviewReader = Annotated[User, Depends(ApiToken("reviews:read"))]
ReviewWriter = Annotated[User, Depends(ApiToken("reviews:write"))]


def _detail(user: User, submission: Submission) -> SubmissionDetail:
    blind = reviews.is_blind(user, submission)
    attempts = evidence.visible_attempts(user, submission)
    current = attempts[-1] if attempts else None
    owner = submission.user_id == user.id
    built = []
    for attempt in attempts:
        shown = [
            r
            for r in attempt.reviews
            if (not owner or r.kind == ReviewKind.PRIMARY) and not (blind and attempt is current)
        ]
        built.append(AttemptRead.build(attempt, shown))
    return SubmissionDetail(**SubmissionRead.build(submission).model_dump(), attempts=built)


@router.get("/evidence/submissions", response_model=list[SubmissionRead])
def my_submissions(db: Db, user: EvidenceReader) -> list[SubmissionRead]:
    """The caller's own submissions."""
    return [SubmissionRead.build(s) for s in evidence.mine(db, user)]


@router.post(
    "/micro-credentials/{definition_id}/submissions",
    response_model=SubmissionDetail,
    status_code=201,
)
def start_submission(db: Db, user: EvidenceWriter, definition_id: uuid.UUID) -> SubmissionDetail:
    """Start (or continue) the caller's submission for a published micro-credential."""
    submission = evidence.start(db, user, definition_id)
    return _detail(user, submission)


@router.get("/evidence/submissions/{submission_id}", response_model=SubmissionDetail)
def my_submission(db: Db, user: EvidenceReader, submission_id: uuid.UUID) -> SubmissionDetail:
    """One of the caller's submissions with every attempt and its feedback."""
    return _detail(user, evidence.get_own(db, user, submission_id))


@router.put("/evidence/submissions/{submission_id}/draft", response_model=SubmissionDetail)
def save_draft(
    db: Db, settings: AppSettings, user: EvidenceWriter, submission_id: uuid.UUID, body: DraftUpdate
) -> SubmissionDetail:
    """Replace the draft's texts and links, and set the public-evidence choice if given."""
    draft = evidence.DraftInput(
        responses=dict(body.responses),
        links={key: "\n".join(urls) for key, urls in body.links.items()},
        public_evidence=body.public_evidence,
    )
    submission = evidence.save_draft(db, settings, user, submission_id, draft)
    return _detail(user, submission)


@router.post(
    "/evidence/submissions/{submission_id}/files", response_model=SubmissionDetail, status_code=201
)
def add_file(
    db: Db,
    settings: AppSettings,
    user: EvidenceWriter,
    submission_id: uuid.UUID,
    requirement: Annotated[str, Form(min_length=1, max_length=40)],
    file: UploadFile,
) -> SubmissionDetail:
    """Attach a file to a 'files' requirement of the draft (type checked by content)."""
    upload = Upload(file.filename or "file", file.file)
    submission = evidence.add_files(db, settings, user, submission_id, requirement, [upload])
    return _detail(user, submission)


@router.delete(
    "/evidence/submissions/{submission_id}/files/{file_id}", response_model=SubmissionDetail
)
def remove_file(
    db: Db,
    settings: AppSettings,
    user: EvidenceWriter,
    submission_id: uuid.UUID,
    file_id: uuid.UUID,
) -> SubmissionDetail:
    """Remove a file from the draft."""
    return _detail(user, evidence.remove_file(db, settings, user, submission_id, file_id))


@router.post("/evidence/submissions/{submission_id}/submit", response_model=SubmissionDetail)
def submit(
    db: Db,
    settings: AppSettings,
    user: EvidenceWriter,
    submission_id: uuid.UUID,
    body: SubmitRequest,
) -> SubmissionDetail:
    """Send the draft to the coaches' queue."""
    submission = evidence.submit(db, settings, user, submission_id, privacy=body.privacy_confirmed)
    return _detail(user, submission)


@router.get("/reviews/queue", response_model=list[SubmissionRead])
def review_queue(
    db: Db,
    user: ReviewReader,
    status: Literal["submitted", "not_yet", "earned", "all"] = "submitted",
    micro_credential_id: uuid.UUID | None = None,
    teacher_id: uuid.UUID | None = None,
    mine: bool = False,
    sort: Literal["oldest", "newest"] = "oldest",
) -> list[SubmissionRead]:
    """Submissions of the organizations where the caller coaches (at most 200)."""
    filters = reviews.QueueFilters(
        status=status,
        micro_credential_id=micro_credential_id,
        teacher_id=teacher_id,
        mine=mine,
        sort=sort,
    )
    return [SubmissionRead.build(s) for s in reviews.queue(db, user, filters)]


@router.get("/reviews/submissions/{submission_id}", response_model=SubmissionDetail)
def review_submission(db: Db, user: ReviewReader, submission_id: uuid.UUID) -> SubmissionDetail:
    """A submission in the caller's queue, with its submitted attempts and reviews."""
    return _detail(user, reviews.for_reviewer(db, user, submission_id))


@router.post("/reviews/submissions/{submission_id}/claim", response_model=SubmissionRead)
def claim(db: Db, user: ReviewWriter, submission_id: uuid.UUID) -> SubmissionRead:
    """Claim a waiting submission (409 when another coach has it)."""
    return SubmissionRead.build(reviews.claim(db, user, submission_id))


@router.post(
    "/reviews/submissions/{submission_id}/decision",
    response_model=ReviewRead,
    status_code=201,
)
def decide(
    db: Db,
    settings: AppSettings,
    user: ReviewWriter,
    submission_id: uuid.UUID,
    body: DecisionCreate,
) -> ReviewRead:
    """Score every criterion and decide Earned or Not yet (409 if already decided)."""
    data = reviews.ReviewInput(
        attempt_no=body.attempt_no,
        decision=body.decision,
        levels={s.criterion: s.level for s in body.scores},
        comments={s.criterion: s.comment for s in body.scores},
        feedback=body.feedback,
    )
    return ReviewRead.build(reviews.decide(db, settings, user, submission_id, data))
