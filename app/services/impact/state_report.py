"""The state report: one line per completed module and per issued credential of the period, with
the teacher's name and e-mail, for the state licensing agency. Individual-level, so only an
organization's administrators download it, and every download is in the audit trail.
Columns are documented in docs/impact.md."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from app.db import utcnow
from app.kit import audit
from app.models import (
    Award,
    Enrollment,
    EnrollmentStatus,
    IssuedCredential,
    Membership,
    MicroCredential,
    Module,
    Organization,
    User,
)
from app.services.credentials.issuing import credential_url
from app.services.impact.period import Period
from app.settings import Settings

COLUMNS = [
    "teacher_name",
    "teacher_email",
    "school",
    "activity_type",
    "title",
    "pd_hours",
    "started_on",
    "completed_on",
    "expires_on",
    "status",
    "provider",
    "credential_url",
]


@dataclass(frozen=True)
class Line:
    """One line of the state report."""

    values: dict[str, str]


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""


def _hours(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)):.2f}"


def lines(db: Session, settings: Settings, org: Organization, period: Period) -> list[Line]:
    """Modules the organization's members completed, and credentials it issued, in the period
    (two queries), by teacher then date."""
    provider = aliased(Organization)
    member = and_(Membership.user_id == User.id, Membership.organization_id == org.id)
    modules = db.execute(
        select(
            User.display_name,
            User.email,
            Membership.school,
            Module.title,
            Enrollment.pd_hours_awarded,
            Enrollment.enrolled_at,
            Enrollment.completed_at,
            provider.name,
        )
        .select_from(Enrollment)
        .join(User, Enrollment.user_id == User.id)
        .join(Membership, member)
        .join(Module, Enrollment.module_id == Module.id)
        .join(provider, Module.organization_id == provider.id)
        .where(
            Enrollment.status == EnrollmentStatus.COMPLETED,
            period.holds(Enrollment.completed_at),
        )
    ).all()
    out = [
        Line(
            {
                "teacher_name": name,
                "teacher_email": email,
                "school": school,
                "activity_type": "module",
                "title": title,
                "pd_hours": _hours(hours),
                "started_on": _day(started),
                "completed_on": _day(completed),
                "expires_on": "",
                "status": "completed",
                "provider": provider_name,
                "credential_url": "",
            }
        )
        for name, email, school, title, hours, started, completed, provider_name in modules
    ]
    now = utcnow()
    credentials = db.execute(
        select(IssuedCredential, MicroCredential.pd_hours, User.display_name, Membership.school)
        .outerjoin(Award, Award.credential_id == IssuedCredential.id)
        .outerjoin(MicroCredential, Award.micro_credential_id == MicroCredential.id)
        .outerjoin(User, IssuedCredential.recipient_user_id == User.id)
        .outerjoin(Membership, member)
        .where(
            IssuedCredential.organization_id == org.id,
            period.holds(IssuedCredential.issued_at),
        )
    ).all()
    for credential, hours, name, school in credentials:
        state = "revoked" if credential.revoked_at else "active"
        if state == "active" and credential.valid_until and credential.valid_until <= now:
            state = "expired"
        out.append(
            Line(
                {
                    "teacher_name": name or "",
                    "teacher_email": credential.recipient_email,
                    "school": school or "",
                    "activity_type": "credential",
                    "title": credential.achievement_name,
                    "pd_hours": _hours(hours) if hours is not None else "",
                    "started_on": "",
                    "completed_on": _day(credential.issued_at),
                    "expires_on": _day(credential.valid_until),
                    "status": state,
                    "provider": org.name,
                    "credential_url": credential_url(settings, credential.id),
                }
            )
        )
    out.sort(key=lambda line: (line.values["teacher_name"].lower(), line.values["completed_on"]))
    return out


def export(
    db: Session, settings: Settings, org: Organization, actor: User, period: Period
) -> tuple[str, int]:
    """The state report as CSV, recorded in the audit trail; and its number of lines."""
    found = lines(db, settings, org, period)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for line in found:
        writer.writerow([_safe(line.values[c]) for c in COLUMNS])
    audit.record(
        db,
        "impact.state_report_exported",
        org,
        actor=actor,
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        lines=len(found),
    )
    return buffer.getvalue(), len(found)


def _safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
