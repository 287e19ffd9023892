"""Bulk issuing from a CSV of recipients: validate every row first, then issue idempotently."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Forbidden, Invalid
from app.kit import audit, urls
from app.models import (
    Award,
    AwardStatus,
    DefinitionStatus,
    IssuedCredential,
    MicroCredential,
    Organization,
    User,
)
from app.services.credentials import awards
from app.services.credentials import issuing as credentials
from app.services.identity.accounts import normalize_email
from app.services.microcredentials import definitions
from app.services.microcredentials.permissions import can_author_microcredentials
from app.settings import Settings
from badges import Evidence

COLUMNS = {"email", "narrative", "evidence_url", "evidence_name"}
MAX_ROWS = 10_000
MAX_NARRATIVE = 2_000


@dataclass(frozen=True)
class Recipient:
    """One valid row."""

    line: int
    email: str
    narrative: str | None
    evidence_url: str | None
    evidence_name: str | None


class BulkProblems(Invalid):
    """Every problem found in the file, each naming its line."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:50]
        more = f" (and {len(problems) - 50} more)" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(shown) + more)
        self.problems = problems


def parse_recipients(text: str) -> list[Recipient]:
    """Read the CSV; raise BulkProblems listing every bad row at once."""
    reader = csv.DictReader(io.StringIO(text))
    header = set(reader.fieldnames or [])
    if "email" not in header:
        raise BulkProblems(["line 1: the header must include an 'email' column"])
    unknown = sorted(header - COLUMNS)
    problems = [f"line 1: unknown column(s) {', '.join(unknown)}"] if unknown else []
    rows: list[Recipient] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        recipient, row_problems = _check_row(number, row, seen)
        problems.extend(row_problems)
        if recipient is not None:
            rows.append(recipient)
        if number - 1 > MAX_ROWS:
            problems.append(f"more than {MAX_ROWS} rows; split the file")
            break
    if not rows and not problems:
        problems.append("the file has no recipients")
    if problems:
        raise BulkProblems(problems)
    return rows


def _check_row(
    number: int, row: dict[str, Any], seen: dict[str, int]
) -> tuple[Recipient | None, list[str]]:
    problems: list[str] = []
    email = ""
    try:
        email = normalize_email(str(row.get("email") or ""))
    except Invalid as exc:
        problems.append(f"line {number}: {exc.detail}")
    if email and email in seen:
        problems.append(f"line {number}: {email} already appears on line {seen[email]}")
    seen.setdefault(email, number)
    narrative = (row.get("narrative") or "").strip() or None
    if narrative and len(narrative) > MAX_NARRATIVE:
        problems.append(f"line {number}: the narrative is over {MAX_NARRATIVE} characters")
    url = (row.get("evidence_url") or "").strip() or None
    if url and not urls.is_web(url, frozenset({"https"})):
        problems.append(f"line {number}: evidence_url must be an https:// address")
    if problems:
        return None, problems
    name = (row.get("evidence_name") or "").strip() or None
    return Recipient(number, email, narrative, url, name), []


def load_achievement(text: str) -> credentials.AchievementSpec:
    """An achievement definition from JSON (the CLI's --achievement file)."""
    try:
        data = json.loads(text)
        return credentials.AchievementSpec(
            id=data["id"],
            name=data["name"],
            description=data["description"],
            criteria=data["criteria"],
            achievement_type=data.get("achievementType", "MicroCredential"),
            image_url=data.get("image"),
            alignments=tuple((a["targetName"], a["targetUrl"]) for a in data.get("alignment", [])),
            credits=data.get("creditsAvailable"),
        )
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise Invalid(f"The achievement file is not valid: {exc!r}") from exc


def _row_evidence(recipient: Recipient) -> tuple[Evidence, ...]:
    if not (recipient.evidence_url or recipient.narrative):
        return ()
    return (
        Evidence(
            id=recipient.evidence_url,
            name=recipient.evidence_name,
            narrative=recipient.narrative,
        ),
    )


def _users_by_email(db: Session, recipients: list[Recipient]) -> dict[str, User]:
    emails = [r.email for r in recipients]
    return {u.email: u for u in db.scalars(select(User).where(User.email.in_(emails)))}


def issue_all(
    db: Session,
    settings: Settings,
    org: Organization,
    achievement: credentials.AchievementSpec,
    recipients: list[Recipient],
    progress: Callable[[int], None] = lambda _n: None,
) -> Iterator[IssuedCredential]:
    """Issue to every recipient (re-running the same file issues nothing twice)."""
    users = _users_by_email(db, recipients)
    for recipient in recipients:
        yield credentials.issue_credential(
            db,
            settings,
            credentials.IssueRequest(
                organization=org,
                recipient_email=recipient.email,
                recipient_user=users.get(recipient.email),
                achievement=achievement,
                idempotency_key=f"bulk:{org.id}:{achievement.id}:{recipient.email}",
                evidence=_row_evidence(recipient),
            ),
        )
        progress(1)


@dataclass(frozen=True)
class Outcome:
    """What one bulk run did: new credentials, ones already held, and ones left pending."""

    total: int
    issued: int
    already: int
    pending: int
    members: int


def definition_to_issue(
    db: Session, actor: User, org: Organization, definition_id: uuid.UUID
) -> MicroCredential:
    """Any version of one of the organization's micro-credentials, for its administrators."""
    return definitions.get_for_admin(db, actor, org, definition_id)


def issue_definition(
    db: Session,
    settings: Settings,
    actor: User,
    definition: MicroCredential,
    recipients: list[Recipient],
) -> Outcome:
    """Issue a micro-credential to every (already validated) recipient; re-runs issue nothing twice.

    People with a Laurel account get an Award (shown in their wallet, pending if signing
    fails); other addresses get the signed credential alone, keyed by definition and e-mail.
    """
    if not can_author_microcredentials(actor, definition.organization_id):
        raise Forbidden("Only administrators of this organization issue its micro-credentials.")
    if definition.status != DefinitionStatus.PUBLISHED:
        raise Invalid("Publish the micro-credential before issuing it.", field="csv")
    users = _users_by_email(db, recipients)
    held = set(db.scalars(select(Award.user_id).where(Award.micro_credential_id == definition.id)))
    counts = {"issued": 0, "already": 0, "pending": 0, "members": 0}
    prepared = awards.prepare(settings, definition)
    for recipient in recipients:
        user = users.get(recipient.email)
        if user is not None:
            counts["members"] += 1
            if user.id in held:
                counts["already"] += 1
                continue
            award = awards.record_award(
                db,
                settings,
                user=user,
                definition=definition,
                awarded_by=actor,
                evidence=_row_evidence(recipient),
                prepared=prepared,
            )
            counts["issued" if award.status == AwardStatus.ISSUED else "pending"] += 1
            continue
        key = f"bulk:{definition.id}:{recipient.email}"
        if db.scalar(select(IssuedCredential.id).where(IssuedCredential.idempotency_key == key)):
            counts["already"] += 1
            continue
        credentials.issue_credential(
            db,
            settings,
            credentials.IssueRequest(
                organization=definition.organization,
                recipient_email=recipient.email,
                achievement=prepared.spec,
                idempotency_key=key,
                evidence=_row_evidence(recipient),
                valid_until=awards.valid_until_for(definition),
                image_png=prepared.image_png,
            ),
        )
        counts["issued"] += 1
    audit.record(
        db,
        "microcredential.bulk_issued",
        definition,
        actor=actor,
        organization_id=definition.organization_id,  # named, so **counts cannot fill them
        subject_id=None,
        **counts,
    )
    return Outcome(total=len(recipients), **counts)
