"""Reading the audit trail: an organization's search and CSV export, a teacher's own access log.

Only reads: the audit trail is append-only and nothing here changes it. An organization's search
returns only its own events (tenants never cross).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.errors import Forbidden, Invalid
from app.kit.keyset import Order, PageRequest, Slice, sort_key
from app.models import AuditEvent, Membership, Organization, User
from app.services.privacy import labels, permissions

NEWEST_FIRST = Order(
    sort_key(AuditEvent.at, descending=True), sort_key(AuditEvent.id, descending=True)
)
PAGE_SIZE = 50
CSV_BATCH = 500
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filters:
    """A search of the audit trail (every part optional)."""

    action: str = ""
    actor_email: str = ""
    subject: str = ""
    since: date | None = None
    until: date | None = None

    def query_string(self) -> dict[str, str]:
        """The filters as the search form's fields."""
        return {
            "action": self.action,
            "actor": self.actor_email,
            "subject": self.subject,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }


def _date(text: str, field: str) -> date | None:
    value = text.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid("Enter a date as YYYY-MM-DD.", field=field) from exc


def parse_filters(action: str, actor: str, subject: str, since: str, until: str) -> Filters:
    """The search form's values, checked."""
    filters = Filters(
        action=action.strip()[:60],
        actor_email=actor.strip().lower()[:320],
        subject=subject.strip()[:320],
        since=_date(since, "since"),
        until=_date(until, "until"),
    )
    if filters.since and filters.until and filters.since > filters.until:
        raise Invalid("The start date is after the end date.", field="since")
    return filters


@dataclass(frozen=True)
class Entry:
    """One event as people read it."""

    id: uuid.UUID
    at: datetime
    action: str
    label: str
    actor_name: str
    actor_email: str
    subject_name: str
    subject_email: str
    target: str
    target_id: str
    client_address: str
    detail: str


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _search_query(org: Organization, filters: Filters) -> Select[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.organization_id == org.id)
    if filters.action:
        query = query.where(
            or_(
                AuditEvent.action == filters.action,
                AuditEvent.action.startswith(filters.action + "."),
            )
        )
    if filters.actor_email:
        actor = aliased(User)
        query = query.where(
            AuditEvent.actor_id.in_(select(actor.id).where(actor.email == filters.actor_email))
        )
    if filters.subject:
        subject = aliased(User)
        text = filters.subject
        people = select(subject.id).where(
            or_(subject.email == text.lower(), func.lower(subject.display_name) == text.lower())
        )
        query = query.where(or_(AuditEvent.subject_id.in_(people), AuditEvent.target_id == text))
    if filters.since:
        query = query.where(AuditEvent.at >= _midnight(filters.since))
    if filters.until:
        query = query.where(AuditEvent.at < _midnight(filters.until + timedelta(days=1)))
    return query


def _people(db: Session, events: list[AuditEvent]) -> dict[uuid.UUID, User]:
    ids = {e.actor_id for e in events if e.actor_id} | {
        e.subject_id for e in events if e.subject_id
    }
    if not ids:
        return {}
    return {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids)))}


def _entries(db: Session, events: list[AuditEvent]) -> list[Entry]:
    people = _people(db, events)
    entries = []
    for event in events:
        actor = people.get(event.actor_id) if event.actor_id else None
        subject = people.get(event.subject_id) if event.subject_id else None
        entries.append(
            Entry(
                id=event.id,
                at=event.at,
                action=event.action,
                label=labels.label(event.action),
                actor_name=actor.display_name if actor else "Laurel (automatic)",
                actor_email=actor.email if actor else "",
                subject_name=subject.display_name if subject else "",
                subject_email=subject.email if subject else "",
                target=labels.target_label(event.target_type),
                target_id=event.target_id or "",
                client_address=event.client_address or "",
                detail=json.dumps(event.detail, sort_keys=True) if event.detail else "",
            )
        )
    return entries


def _check(user: User, org: Organization) -> None:
    if not permissions.may_manage_privacy(user, org.id):
        raise Forbidden("Only the organization's administrators read its audit trail.")


def search(
    db: Session, user: User, org: Organization, filters: Filters, page: PageRequest
) -> Slice[Entry]:
    """A page of the organization's events matching the filters, newest first."""
    _check(user, org)
    found = NEWEST_FIRST.scalars(db, _search_query(org, filters), page)
    return Slice(_entries(db, found.items), found.next_cursor)


def action_choices(db: Session, org: Organization) -> list[tuple[str, str]]:
    """The actions recorded in the organization, with their labels (for the search form)."""
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.organization_id == org.id).distinct()
    )
    return sorted(((a, labels.label(a)) for a in actions), key=lambda pair: pair[1])


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


CSV_COLUMNS = (
    "time (UTC)",
    "action",
    "what happened",
    "by",
    "by e-mail",
    "whose records",
    "whose e-mail",
    "target",
    "target id",
    "client address",
    "details",
)


def export_csv(db: Session, user: User, org: Organization, filters: Filters) -> Iterator[str]:
    """Every event of the search as CSV lines (read in keyset batches, never all at once)."""
    _check(user, org)
    query = _search_query(org, filters)

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        cursor: str | None = None
        while True:
            found = NEWEST_FIRST.scalars(db, query, PageRequest(CSV_BATCH, cursor))
            for entry in _entries(db, found.items):
                writer.writerow(
                    [
                        entry.at.isoformat(),
                        entry.action,
                        entry.label,
                        _cell(entry.actor_name),
                        _cell(entry.actor_email),
                        _cell(entry.subject_name),
                        _cell(entry.subject_email),
                        entry.target,
                        entry.target_id,
                        entry.client_address,
                        _cell(entry.detail),
                    ]
                )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            cursor = found.next_cursor
            if cursor is None:
                return

    return lines()


@dataclass(frozen=True)
class Access:
    """Someone else's action on a teacher's records, as she sees it."""

    at: datetime
    label: str
    who: str
    role: str
    organization: str
    target: str


def my_access(db: Session, user: User, page: PageRequest) -> Slice[Access]:
    """Who viewed or changed the person's records (others' actions, and Laurel's own), newest
    first. Others are named with their role, not their e-mail address."""
    query = select(AuditEvent).where(
        AuditEvent.subject_id == user.id,
        or_(AuditEvent.actor_id.is_(None), AuditEvent.actor_id != user.id),
    )
    found = NEWEST_FIRST.scalars(db, query, page)
    events = found.items
    people = _people(db, events)
    pairs = {(e.actor_id, e.organization_id) for e in events if e.actor_id and e.organization_id}
    roles: dict[tuple[uuid.UUID, uuid.UUID], str] = {}
    orgs: dict[uuid.UUID, str] = {}
    if pairs:
        rows = db.execute(
            select(Membership.user_id, Membership.organization_id, Membership.role).where(
                or_(
                    *(
                        and_(Membership.user_id == a, Membership.organization_id == o)
                        for a, o in pairs
                    )
                )
            )
        )
        roles = {(u, o): r.value for u, o, r in rows}
    org_ids = {e.organization_id for e in events if e.organization_id}
    if org_ids:
        orgs = {
            o.id: o.name
            for o in db.scalars(select(Organization).where(Organization.id.in_(org_ids)))
        }
    items = []
    for event in events:
        actor = people.get(event.actor_id) if event.actor_id else None
        key = (event.actor_id, event.organization_id)
        role = roles.get(key, "") if event.actor_id and event.organization_id else ""  # type: ignore[arg-type]
        if actor is not None and actor.is_platform_admin and not role:
            role = "platform administrator"
        items.append(
            Access(
                at=event.at,
                label=labels.label(event.action),
                who=actor.display_name if actor else "Laurel (automatic)",
                role=role,
                organization=orgs.get(event.organization_id, "") if event.organization_id else "",
                target=labels.target_label(event.target_type),
            )
        )
    return Slice(items, found.next_cursor)
