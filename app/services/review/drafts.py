"""A teacher's draft: the texts and links of the attempt being written (files: files.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Invalid
from app.kit import urls
from app.kit.storage.uploads import Upload
from app.models import Submission, User
from app.services.review import files
from app.services.review.evidence import LINKS, REFLECTION, draft_attempt, get_own, requirements
from app.settings import Settings

MAX_RESPONSE_CHARS = 20_000
MAX_LINKS = 20
MAX_URL_CHARS = 2000


@dataclass
class DraftInput:
    """What the evidence form sends: texts, links (one URL a line) and files per requirement.

    ``public_evidence``: link the final evidence publicly from the credential once earned
    (None leaves the choice as it is).
    """

    responses: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    uploads: dict[str, list[Upload]] = field(default_factory=dict)
    remove_files: set[uuid.UUID] = field(default_factory=set)
    public_evidence: bool | None = None


def save_draft(
    db: Session, settings: Settings, user: User, submission_id: uuid.UUID, draft: DraftInput
) -> Submission:
    """Save the draft: texts, links and files (files checked by content, all or nothing)."""
    submission = get_own(db, user, submission_id)
    attempt = draft_attempt(submission)
    reqs = requirements(submission.micro_credential)
    responses = _responses(reqs, draft.responses)
    links = _links(reqs, draft.links)
    files.detach(db, settings, attempt, draft.remove_files)
    files.attach(db, settings, attempt, reqs, draft.uploads)
    attempt.responses = responses
    attempt.links = links
    if draft.public_evidence is not None:
        submission.public_evidence = draft.public_evidence
    attempt.updated_at = utcnow()
    submission.updated_at = utcnow()
    return submission


def _responses(reqs: list[dict[str, Any]], sent: dict[str, str]) -> dict[str, str]:
    result = {}
    for req in reqs:
        if req["kind"] != REFLECTION:
            continue
        text = sent.get(req["key"], "").replace("\r\n", "\n").strip()
        if len(text) > MAX_RESPONSE_CHARS:
            raise Invalid(
                f"'{req['label']}' is longer than {MAX_RESPONSE_CHARS} characters.",
                field=f"response_{req['key']}",
            )
        if text:
            result[req["key"]] = text
    return result


def _links(reqs: list[dict[str, Any]], sent: dict[str, str]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for req in reqs:
        if req["kind"] != LINKS:
            continue
        for line in sent.get(req["key"], "").splitlines():
            url = line.strip()
            if not url:
                continue
            if not valid_url(url):
                raise Invalid(
                    f"'{url[:80]}' is not a web address starting with http:// or https://.",
                    field=f"links_{req['key']}",
                )
            result.append({"requirement": req["key"], "url": url, "title": url})
    if len(result) > MAX_LINKS:
        raise Invalid(f"Add at most {MAX_LINKS} links.", field=f"links_{result[0]['requirement']}")
    return result


def valid_url(url: str) -> bool:
    """An absolute http(s) address with a host, of reasonable length and no spaces."""
    if len(url) > MAX_URL_CHARS or any(ch.isspace() for ch in url):
        return False
    parts = urls.split(url)
    return parts is not None and parts.scheme in {"http", "https"} and bool(parts.hostname)
