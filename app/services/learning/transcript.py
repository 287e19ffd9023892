"""The teacher's dashboard lists and PD transcript (CSV and PDF) for licence renewal.

The transcript lists completed modules and earned micro-credentials, each with its PD hours,
and totals them per school year: July 1 to June 30 (the year most licence renewals and district
PD records count in), named like "2025-26".
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from app.errors import Invalid
from app.kit.keyset import Order, PageRequest, Slice, sort_key
from app.models import (
    Award,
    AwardRule,
    DefinitionStatus,
    Enrollment,
    EnrollmentStatus,
    IssuedCredential,
    MicroCredential,
    MicroCredentialModule,
    Module,
    User,
)

NEWEST_ENROLLMENTS = Order(
    sort_key(Enrollment.updated_at, descending=True), sort_key(Enrollment.id, descending=True)
)


@dataclass(frozen=True)
class TranscriptRow:
    """One completed module."""

    completed_on: date
    title: str
    version: int
    organization: str
    hours: Decimal
    module_id: uuid.UUID | None = None
    certificate: bool = False  # an hours-only module: a certificate of completion exists


@dataclass(frozen=True)
class CredentialRow:
    """One earned micro-credential (not revoked)."""

    earned_on: date
    name: str
    organization: str
    hours: Decimal


@dataclass(frozen=True)
class PeriodTotal:
    """PD hours of one school year (July to June)."""

    label: str
    module_hours: Decimal
    credential_hours: Decimal

    @property
    def total(self) -> Decimal:
        """Module and credential hours together."""
        return self.module_hours + self.credential_hours


def school_year(day: date) -> str:
    """The school year (July 1 to June 30) a day falls in, e.g. "2025-26"."""
    first = day.year if day.month >= 7 else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def hours_text(hours: Decimal) -> str:
    """Hours without trailing zeros: 1.5, 2, 0.25."""
    return f"{hours.normalize():f}"


@dataclass(frozen=True)
class Transcript:
    """Completed modules and PD hours in a date range."""

    teacher: str
    email: str
    organizations: list[str]
    start: date | None
    end: date | None
    rows: list[TranscriptRow]
    credentials: list[CredentialRow] = field(default_factory=list)

    @property
    def module_hours(self) -> Decimal:
        """PD hours of the completed modules."""
        return sum((r.hours for r in self.rows), Decimal("0"))

    @property
    def credential_hours(self) -> Decimal:
        """PD hours of the earned micro-credentials."""
        return sum((c.hours for c in self.credentials), Decimal("0"))

    @property
    def total(self) -> Decimal:
        """Total PD hours: modules and micro-credentials."""
        return self.module_hours + self.credential_hours

    @property
    def periods(self) -> list[PeriodTotal]:
        """Totals per school year (July to June), oldest first."""
        modules: dict[str, Decimal] = {}
        credentials: dict[str, Decimal] = {}
        for row in self.rows:
            year = school_year(row.completed_on)
            modules[year] = modules.get(year, Decimal(0)) + row.hours
        for credential in self.credentials:
            year = school_year(credential.earned_on)
            credentials[year] = credentials.get(year, Decimal(0)) + credential.hours
        return [
            PeriodTotal(year, modules.get(year, Decimal(0)), credentials.get(year, Decimal(0)))
            for year in sorted(modules.keys() | credentials.keys())
        ]


def _enrollments(user: User) -> Select[Enrollment]:
    """The teacher's active and completed enrollments with their modules."""
    return (
        select(Enrollment)
        .where(
            Enrollment.user_id == user.id,
            Enrollment.status.in_((EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)),
        )
        .options(joinedload(Enrollment.module))
    )


def my_enrollments(db: Session, user: User) -> list[Enrollment]:
    """The teacher's active and completed enrollments, newest first, with their modules."""
    return list(db.scalars(_enrollments(user).order_by(*NEWEST_ENROLLMENTS.clauses())))


def enrollments_page(db: Session, user: User, page: PageRequest) -> Slice[Enrollment]:
    """A page of ``my_enrollments`` after a cursor."""
    return NEWEST_ENROLLMENTS.scalars(db, _enrollments(user), page)


def parse_range(start: str, end: str) -> tuple[date | None, date | None]:
    """Dates from form fields (YYYY-MM-DD, either may be empty)."""
    try:
        first = date.fromisoformat(start) if start else None
    except ValueError as exc:
        raise Invalid("Enter the start date as YYYY-MM-DD.", field="start") from exc
    try:
        last = date.fromisoformat(end) if end else None
    except ValueError as exc:
        raise Invalid("Enter the end date as YYYY-MM-DD.", field="end") from exc
    if first and last and last < first:
        raise Invalid("The end date is before the start date.", field="end")
    return first, last


def build(db: Session, user: User, start: date | None, end: date | None) -> Transcript:
    """Completed modules with their PD hours between two dates (inclusive)."""
    query = (
        select(Enrollment)
        .where(Enrollment.user_id == user.id, Enrollment.status == EnrollmentStatus.COMPLETED)
        .options(joinedload(Enrollment.module).joinedload(Module.organization))
        .order_by(Enrollment.completed_at)
    )
    if start:
        query = query.where(Enrollment.completed_at >= datetime.combine(start, time.min, UTC))
    if end:
        query = query.where(Enrollment.completed_at <= datetime.combine(end, time.max, UTC))
    enrollments = list(db.scalars(query))
    with_credential = credential_families(db, [e.family_id for e in enrollments])
    rows = [
        TranscriptRow(
            completed_on=e.completed_at.date() if e.completed_at else date.min,
            title=e.module.title,
            version=e.module.version,
            organization=e.module.organization.name,
            hours=e.pd_hours_awarded or Decimal("0"),
            module_id=e.module_id,
            certificate=bool(e.pd_hours_awarded) and e.family_id not in with_credential,
        )
        for e in enrollments
    ]
    return Transcript(
        teacher=user.display_name,
        email=user.email,
        organizations=sorted(m.organization.name for m in user.memberships),
        start=start,
        end=end,
        rows=rows,
        credentials=earned_credentials(db, user, start, end),
    )


def credential_families(db: Session, families: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those module families whose completion earns a credential (a published completion badge
    lists them); the others are hours-only and get a certificate of completion."""
    if not families:
        return set()
    return set(
        db.scalars(
            select(MicroCredentialModule.module_family_id)
            .join(MicroCredential, MicroCredential.id == MicroCredentialModule.micro_credential_id)
            .where(
                MicroCredentialModule.module_family_id.in_(families),
                MicroCredential.award_rule == AwardRule.COMPLETION,
                MicroCredential.status == DefinitionStatus.PUBLISHED,
            )
        )
    )


def earned_credentials(
    db: Session, user: User, start: date | None, end: date | None
) -> list[CredentialRow]:
    """The micro-credentials the teacher earned between two dates (inclusive), oldest first;
    revoked ones are left out (their hours no longer count)."""
    query = (
        select(Award)
        .outerjoin(IssuedCredential, Award.credential_id == IssuedCredential.id)
        .join(MicroCredential, Award.micro_credential_id == MicroCredential.id)
        .where(Award.user_id == user.id, IssuedCredential.revoked_at.is_(None))
        .order_by(Award.awarded_at)
    )
    if start:
        query = query.where(Award.awarded_at >= datetime.combine(start, time.min, UTC))
    if end:
        query = query.where(Award.awarded_at <= datetime.combine(end, time.max, UTC))
    return [
        CredentialRow(
            earned_on=award.awarded_at.date(),
            name=award.micro_credential.name,
            organization=award.micro_credential.organization.name,
            hours=award.micro_credential.pd_hours or Decimal("0"),
        )
        for award in db.scalars(query)
    ]


def to_csv(transcript: Transcript) -> str:
    """The transcript as CSV: a header row, one row per module and per credential, a total per
    school year (July to June) and a grand total."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "kind", "title", "version", "organization", "pd_hours", "school_year"])
    for row in transcript.rows:
        writer.writerow(
            [
                row.completed_on.isoformat(),
                "module",
                _cell(row.title),
                row.version,
                _cell(row.organization),
                row.hours,
                school_year(row.completed_on),
            ]
        )
    for credential in transcript.credentials:
        writer.writerow(
            [
                credential.earned_on.isoformat(),
                "credential",
                _cell(credential.name),
                "",
                _cell(credential.organization),
                credential.hours,
                school_year(credential.earned_on),
            ]
        )
    for period in transcript.periods:
        writer.writerow(
            ["", "total", f"School year {period.label}", "", "", period.total, period.label]
        )
    writer.writerow(["", "total", "Total", "", "", transcript.total, ""])
    return out.getvalue()


def _cell(value: str) -> str:
    """Neutralize spreadsheet formulas in text cells."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


#: DejaVu Sans (bundled; free licence in the same folder) prints every teacher's name, not only
#: Latin-1 ones as the PDF core fonts would.
FONTS = Path(str(files("app"))) / "static" / "fonts"


def _pdf_table(
    pdf: FPDF,
    title: str,
    columns: list[tuple[int, str, str]],
    rows: list[list[str]],
    total: list[str],
) -> None:
    """A titled table: columns as (width, heading, LEFT or RIGHT), its rows, then a total row."""
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)
    with pdf.table(
        col_widths=tuple(width for width, _, _ in columns),
        text_align=tuple(align for _, _, align in columns),
    ) as table:
        for cells in ([heading for _, heading, _ in columns], *rows, total):
            table.row(cells)


def to_pdf(transcript: Transcript) -> bytes:
    """The transcript as a one-table PDF document."""
    pdf = FPDF(format="Letter")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(f"PD transcript: {transcript.teacher}")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 10, "Professional development transcript", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)
    period = f"{transcript.start or 'beginning'} to {transcript.end or 'today'}"
    for line in (
        f"Teacher: {transcript.teacher} ({transcript.email})",
        f"Organization: {', '.join(transcript.organizations) or '-'}",
        f"Period: {period}",
    ):
        pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    _pdf_table(
        pdf,
        "Completed modules",
        [
            (24, "Completed", "LEFT"),
            (80, "Module", "LEFT"),
            (14, "Version", "RIGHT"),
            (52, "Organization", "LEFT"),
            (20, "PD hours", "RIGHT"),
        ],
        [
            [r.completed_on.isoformat(), r.title, str(r.version), r.organization, str(r.hours)]
            for r in transcript.rows
        ],
        ["", "Module hours", "", "", str(transcript.module_hours)],
    )
    _pdf_table(
        pdf,
        "Earned micro-credentials",
        [
            (24, "Earned", "LEFT"),
            (94, "Micro-credential", "LEFT"),
            (52, "Organization", "LEFT"),
            (20, "PD hours", "RIGHT"),
        ],
        [
            [c.earned_on.isoformat(), c.name, c.organization, str(c.hours)]
            for c in transcript.credentials
        ],
        ["", "Credential hours", "", str(transcript.credential_hours)],
    )
    _pdf_table(
        pdf,
        "PD hours per school year (July to June)",
        [
            (46, "School year", "LEFT"),
            (48, "Modules", "RIGHT"),
            (48, "Micro-credentials", "RIGHT"),
            (48, "Total", "RIGHT"),
        ],
        [
            [y.label, str(y.module_hours), str(y.credential_hours), str(y.total)]
            for y in transcript.periods
        ],
        [
            "Total",
            str(transcript.module_hours),
            str(transcript.credential_hours),
            str(transcript.total),
        ],
    )
    return bytes(pdf.output())
