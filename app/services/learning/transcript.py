"""The teacher's dashboard lists and PD transcript (CSV and PDF) for licence renewal."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.errors import Invalid
from app.models import Enrollment, EnrollmentStatus, Module, User


@dataclass(frozen=True)
class TranscriptRow:
    """One completed module."""

    completed_on: date
    title: str
    version: int
    organization: str
    hours: Decimal


@dataclass(frozen=True)
class Transcript:
    """Completed modules and PD hours in a date range."""

    teacher: str
    email: str
    organizations: list[str]
    start: date | None
    end: date | None
    rows: list[TranscriptRow]

    @property
    def total(self) -> Decimal:
        """Total PD hours."""
        return sum((r.hours for r in self.rows), Decimal("0"))


def my_enrollments(db: Session, user: User) -> list[Enrollment]:
    """The teacher's active and completed enrollments, newest first, with their modules."""
    return list(
        db.scalars(
            select(Enrollment)
            .where(
                Enrollment.user_id == user.id,
                Enrollment.status.in_((EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)),
            )
            .options(joinedload(Enrollment.module))
            .order_by(Enrollment.updated_at.desc())
        )
    )


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
    rows = [
        TranscriptRow(
            completed_on=e.completed_at.date() if e.completed_at else date.min,
            title=e.module.title,
            version=e.module.version,
            organization=e.module.organization.name,
            hours=e.pd_hours_awarded or Decimal("0"),
        )
        for e in db.scalars(query)
    ]
    return Transcript(
        teacher=user.display_name,
        email=user.email,
        organizations=sorted(m.organization.name for m in user.memberships),
        start=start,
        end=end,
        rows=rows,
    )


def to_csv(transcript: Transcript) -> str:
    """The transcript as CSV with a header row and a total row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["completed_on", "module", "version", "organization", "pd_hours"])
    for row in transcript.rows:
        writer.writerow(
            [
                row.completed_on.isoformat(),
                _cell(row.title),
                row.version,
                _cell(row.organization),
                row.hours,
            ]
        )
    writer.writerow(["", "Total", "", "", transcript.total])
    return out.getvalue()


def _cell(value: str) -> str:
    """Neutralize spreadsheet formulas in text cells."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


#: DejaVu Sans (bundled; free licence in the same folder) prints every teacher's name, not only
#: Latin-1 ones as the PDF core fonts would.
FONTS = Path(__file__).resolve().parents[2] / "static" / "fonts"


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
    pdf.ln(4)
    with pdf.table(
        col_widths=(24, 80, 14, 52, 20), text_align=("LEFT", "LEFT", "RIGHT", "LEFT", "RIGHT")
    ) as table:
        table.row(["Completed", "Module", "Version", "Organization", "PD hours"])
        for row in transcript.rows:
            table.row(
                [
                    row.completed_on.isoformat(),
                    row.title,
                    str(row.version),
                    row.organization,
                    str(row.hours),
                ]
            )
        table.row(["", "Total", "", "", str(transcript.total)])
    return bytes(pdf.output())
