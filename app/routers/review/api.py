"""JSON API: evidence submissions (evidence:read / evidence:write) and reviews (reviews:read /
reviews:write) for coach tools and integrations."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, UploadFile

from app.kit.storage.uploads import Upload
from app.models import Submission, User
from app.routers.review.schemas import (
    AttemptRead,
    DecisionCreate,
    DraftUpdate,
    ReviewRead,
    SubmissionDetail,
    SubmissionRead,
    SubmitRequest,
)
from app.services.review import (
    assignments,
    decisions,
    drafts,
    evidence,
    files,
    permissions,
    queue,
    scoring,
)
from app.web.access import ApiToken, AppSettings, Db
from app.web.api_errors import ERROR_RESPONSES
from app.web.common import TransactionalRoute
from app.web.paging import Page, Paging

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
    attempts = [
        AttemptRead.build(item.attempt, item.reviews)
        for item in permissions.history(user, submission)
    ]
    return SubmissionDetail(**SubmissionRead.build(submission).model_dump(), attempts=attempts)


@router.get("/evidence/submissions", response_model=Page[SubmissionRead])
def my_submissions(db: Db, user: EvidenceReader, paging: Paging) -> Page[SubmissionRead]:
    """The caller's own submissions, most recently changed first."""
    return Page[SubmissionRead].of(evidence.mine_page(db, user, paging), SubmissionRead.build)


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
    draft = drafts.DraftInput(
        responses=dict(body.responses),
        links={key: "\n".join(urls) for key, urls in body.links.items()},
        public_evidence=body.public_evidence,
    )
    submission = drafts.save_draft(db, settings, user, submission_id, draft)
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
    submission = files.add_files(db, settings, user, submission_id, requirement, [upload])
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
    return _detail(user, files.remove_file(db, settings, user, submission_id, file_id))


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


@router.get("/reviews/queue", response_model=Page[SubmissionRead])
def review_queue(
    db: Db,
    user: ReviewReader,
    paging: Paging,
    status: Literal["submitted", "not_yet", "earned", "all"] = "submitted",
    micro_credential_id: uuid.UUID | None = None,
    teacher_id: uuid.UUID | None = None,
    mine: bool = False,
    sort: Literal["oldest", "newest"] = "oldest",
) -> Page[SubmissionRead]:
    """Submissions of the organizations where the caller coaches."""
    filters = queue.QueueFilters(
        status=status,
        micro_credential_id=micro_credential_id,
        teacher_id=teacher_id,
        mine=mine,
        sort=sort,
    )
    return Page[SubmissionRead].of(
        queue.queue_page(db, user, filters, paging), SubmissionRead.build
    )


@router.get("/reviews/submissions/{submission_id}", response_model=SubmissionDetail)
def review_submission(db: Db, user: ReviewReader, submission_id: uuid.UUID) -> SubmissionDetail:
    """A submission in the caller's queue, with its submitted attempts and reviews."""
    return _detail(user, queue.view_for_reviewer(db, user, submission_id))


@router.post("/reviews/submissions/{submission_id}/claim", response_model=SubmissionRead)
def claim(db: Db, user: ReviewWriter, submission_id: uuid.UUID) -> SubmissionRead:
    """Claim a waiting submission (409 when another coach has it)."""
    return SubmissionRead.build(assignments.claim(db, user, submission_id))


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
    data = scoring.ReviewInput(
        attempt_no=body.attempt_no,
        decision=body.decision,
        levels={s.criterion: s.level for s in body.scores},
        comments={s.criterion: s.comment for s in body.scores},
        feedback=body.feedback,
    )
    return ReviewRead.build(decisions.decide(db, settings, user, submission_id, data))
