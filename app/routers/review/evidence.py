"""Pages: a teacher's evidence toward micro-credentials, and evidence files (permission-checked)."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app.kit import links
from app.kit.storage.uploads import size_text
from app.models import MicroCredential, Submission, SubmissionStatus, User
from app.services.communities import exemplar_sharing
from app.services.review import drafts, evidence, files, permissions, public_evidence, scoring
from app.settings import Settings
from app.web import forms
from app.web.access import AppSettings, CurrentUser, Db, MaybeUser, public, verify_csrf
from app.web.common import TransactionalRoute, read_uploads, redirect, render, stored_file

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])


async def read_form(request: Request) -> FormData:
    """The posted form (fields named after the definition's requirements, and files)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(read_form)]


def draft_input(form: FormData, definition: MicroCredential) -> drafts.DraftInput:
    """The evidence form's fields as a draft: texts, links and files per requirement."""
    draft = drafts.DraftInput()
    for req in evidence.requirements(definition):
        key = req["key"]
        if req["kind"] == evidence.REFLECTION:
            draft.responses[key] = str(form.get(f"response_{key}") or "")
        elif req["kind"] == evidence.LINKS:
            draft.links[key] = str(form.get(f"links_{key}") or "")
        elif req["kind"] == evidence.FILES:
            draft.uploads[key] = read_uploads(form.getlist(f"files_{key}"))
    for raw in form.getlist("remove_file"):
        try:
            draft.remove_files.add(uuid.UUID(str(raw)))
        except ValueError:
            continue
    draft.public_evidence = form.get("public_evidence") == "yes"
    return draft


def form_values(form: FormData) -> dict[str, str]:
    """The posted text fields (not the CSRF token), to show the form again as it was."""
    return {k: str(v) for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def _form_page(
    request: Request,
    settings: Settings,
    definition: MicroCredential,
    submission: Submission | None,
    status: int = 200,
    **extra: Any,
) -> Response:
    attempt = submission.attempts[-1] if submission else None
    values = extra.pop("values", None)
    if values is None and attempt is not None and submission is not None:
        values = _attempt_values(attempt)
        if submission.public_evidence:
            values["public_evidence"] = "yes"
    return render(
        request,
        "review/evidence/form.html",
        status,
        definition=definition,
        submission=submission,
        attempt=attempt,
        requirements=evidence.requirements(definition),
        values=values or {},
        limits=_limits(settings),
        action=f"/evidence/{submission.id}"
        if submission
        else f"/micro-credentials/{definition.id}/evidence",
        **extra,
    )


def _attempt_values(attempt: Any) -> dict[str, str]:
    values = {f"response_{k}": v for k, v in attempt.responses.items()}
    for link in attempt.links:
        key = f"links_{link['requirement']}"
        values[key] = (values.get(key, "") + "\n" + link["url"]).strip()
    return values


def _limits(settings: Settings) -> dict[str, str]:
    return {
        "file": size_text(settings.evidence_max_file_bytes),
        "total": size_text(settings.evidence_max_submission_bytes),
        "files": str(settings.evidence_max_files),
    }


@router.get("/evidence", response_class=HTMLResponse)
def my_evidence(request: Request, db: Db, user: CurrentUser) -> Response:
    """The person's submissions with their status."""
    return render(request, "review/evidence/list.html", submissions=evidence.mine(db, user))


@router.get("/micro-credentials/{definition_id}/evidence", response_class=HTMLResponse)
def evidence_form(
    request: Request, db: Db, settings: AppSettings, user: CurrentUser, definition_id: uuid.UUID
) -> Response:
    """Start evidence for a micro-credential (or continue the submission already started)."""
    definition = evidence.definition_for(db, user, definition_id)
    existing = evidence.current_for(db, user, definition)
    if existing is not None:
        return redirect(request, f"/evidence/{existing.id}")
    return _form_page(request, settings, definition, None)


@router.post("/micro-credentials/{definition_id}/evidence", response_class=HTMLResponse)
def start_evidence(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    definition_id: uuid.UUID,
    form: PostedForm,
) -> Response:
    """Create the submission with its first draft, and submit it if asked."""
    definition = evidence.definition_for(db, user, definition_id)
    submission = evidence.start(db, user, definition_id)
    return _save(request, db, settings, user, submission, definition, form)


def _save(
    request: Request,
    db: Db,
    settings: Settings,
    user: CurrentUser,
    submission: Submission,
    definition: MicroCredential,
    form: FormData,
) -> Response:
    sending = form.get("action") == "submit"

    def save() -> None:
        drafts.save_draft(db, settings, user, submission.id, draft_input(form, definition))
        if sending:
            evidence.submit(db, settings, user, submission.id, privacy=bool(form.get("privacy")))

    is_new = request.url.path.startswith("/micro-credentials/")
    message = (
        "Your evidence is submitted. A coach will review it." if sending else "Your draft is saved."
    )
    return forms.submit(
        save,
        done=lambda _: redirect(request, f"/evidence/{submission.id}", message),
        page=partial(_form_page, request, settings, definition, None if is_new else submission),
        values=form_values(form),
    )


@router.get("/evidence/files/{file_id}")
def download(db: Db, settings: AppSettings, user: CurrentUser, file_id: uuid.UUID) -> Response:
    """An evidence file, for the teacher and the coaches and administrators of the organization."""
    row, stream = files.open_file(db, settings, user, file_id)
    return stored_file(row.filename, row.content_type, stream)


@router.get(links.EVIDENCE.path, name=links.EVIDENCE.name, response_class=HTMLResponse)
def submission_page(
    request: Request, db: Db, settings: AppSettings, user: CurrentUser, submission_id: uuid.UUID
) -> Response:
    """The teacher's submission: the draft form, or every attempt with its feedback."""
    submission = evidence.get_own(db, user, submission_id)
    definition = submission.micro_credential
    if submission.status == SubmissionStatus.DRAFT:
        return _form_page(
            request, settings, definition, submission, history=_history(user, submission)
        )
    return render(
        request,
        "review/evidence/detail.html",
        submission=submission,
        definition=definition,
        requirements=evidence.requirements(definition),
        history=_history(user, submission),
        sharing=exemplar_sharing.options(db, user, submission)
        if submission.status == SubmissionStatus.EARNED
        else None,
        public_url=public_evidence.public_url(settings, submission),
        credential_links=public_evidence.is_public(submission)
        and public_evidence.credential_links_here(db, settings, submission),
    )


def _history(user: User, submission: Submission) -> list[dict[str, Any]]:
    """Submitted attempts, newest first, each with the decision the teacher reads and its levels."""
    definition = submission.micro_credential
    items = []
    for item in reversed(permissions.history(user, submission)):
        if item.attempt.submitted_at is None:
            continue
        review = item.reviews[0] if item.reviews else None
        items.append(
            {
                "attempt": item.attempt,
                "review": review,
                "levels": scoring.score_rows(definition, review),
            }
        )
    return items


@router.post("/evidence/{submission_id}", response_class=HTMLResponse)
def save_evidence(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    submission_id: uuid.UUID,
    form: PostedForm,
) -> Response:
    """Save the draft, or save and submit it."""
    submission = evidence.get_own(db, user, submission_id)
    return _save(request, db, settings, user, submission, submission.micro_credential, form)


@router.post("/evidence/{submission_id}/withdraw", response_class=HTMLResponse)
def withdraw(request: Request, db: Db, user: CurrentUser, submission_id: uuid.UUID) -> Response:
    """Withdraw the submission (it stays in the history)."""
    evidence.withdraw(db, user, submission_id)
    return redirect(request, "/evidence", "Your submission is withdrawn.")


@router.post("/evidence/{submission_id}/revise", response_class=HTMLResponse)
def revise(request: Request, db: Db, user: CurrentUser, submission_id: uuid.UUID) -> Response:
    """Start a revision after 'Not yet' (a new attempt, copied from the last one)."""
    evidence.revise(db, user, submission_id)
    return redirect(
        request, f"/evidence/{submission_id}", "Your revision is started from your last attempt."
    )


@router.post("/evidence/{submission_id}/public-sharing", response_class=HTMLResponse)
def public_sharing(
    request: Request,
    db: Db,
    user: CurrentUser,
    submission_id: uuid.UUID,
    share: Annotated[Literal["on", "off"], Form()],
) -> Response:
    """Turn public sharing of one's evidence on or off (off takes the public page down at once)."""
    submission = public_evidence.set_public(db, user, submission_id, public=share == "on")
    if share == "off":
        message = "Your evidence is no longer public. Its public page is gone."
    elif submission.status == SubmissionStatus.EARNED:
        message = "Your final evidence is now public to anyone with its link."
    else:
        message = "If you earn this micro-credential, your final evidence will be linked publicly."
    return redirect(request, f"/evidence/{submission_id}", message)


@router.get(
    links.EVIDENCE_PUBLIC.path,
    name=links.EVIDENCE_PUBLIC.name,
    dependencies=[Depends(public)],
    response_class=HTMLResponse,
)
def public_page(request: Request, db: Db, user: MaybeUser, submission_id: uuid.UUID) -> Response:
    """The final evidence of an earned micro-credential its teacher chose to share publicly."""
    submission, attempt = public_evidence.get_public(db, submission_id)
    definition = submission.micro_credential
    response = render(
        request,
        "review/evidence/public.html",
        submission=submission,
        definition=definition,
        attempt=attempt,
        requirements=evidence.requirements(definition),
        owner=permissions.owns(user, submission),
    )
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/evidence/{submission_id}/public/files/{file_id}", dependencies=[Depends(public)])
def public_file(
    db: Db, settings: AppSettings, submission_id: uuid.UUID, file_id: uuid.UUID
) -> Response:
    """A file of publicly shared, earned evidence (only files of its final attempt)."""
    row, stream = public_evidence.open_public_file(db, settings, submission_id, file_id)
    response = stored_file(row.filename, row.content_type, stream)
    response.headers["X-Robots-Tag"] = "noindex"
    return response
