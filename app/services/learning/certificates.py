"""Certificates of completion (PDF) for hours-only modules: modules that grant PD hours but whose
completion earns no credential (no completion badge lists them). Only the teacher who completed
the module gets one; for anyone else it does not exist."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fpdf import FPDF
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.models import EnrollmentStatus, User
from app.services.learning import learner
from app.services.learning.transcript import FONTS, credential_families, hours_text

NO_CERTIFICATE = "There is no certificate of completion for this module."


@dataclass(frozen=True)
class Certificate:
    """What a certificate of completion states."""

    teacher: str
    module: str
    version: int
    hours: Decimal
    completed_on: date
    organization: str


def available(db: Session, view: learner.Learner) -> bool:
    """Whether the teacher completed this hours-only module (so a certificate is theirs)."""
    enrollment = view.enrollment
    return (
        enrollment is not None
        and enrollment.status == EnrollmentStatus.COMPLETED
        and enrollment.completed_at is not None
        and (enrollment.pd_hours_awarded or Decimal(0)) > 0
        and not credential_families(db, [view.module.family_id])
    )


def for_teacher(db: Session, user: User, module_id: uuid.UUID) -> Certificate:
    """The teacher's own certificate for a module version she completed; NotFound otherwise."""
    view = learner.learner_view(db, user, module_id)
    if not available(db, view) or view.enrollment is None:
        raise NotFound(NO_CERTIFICATE)
    enrollment = view.enrollment
    assert enrollment.completed_at is not None  # checked by available()
    return Certificate(
        teacher=user.display_name,
        module=view.module.title,
        version=view.module.version,
        hours=enrollment.pd_hours_awarded or Decimal(0),
        completed_on=enrollment.completed_at.date(),
        organization=view.module.organization.name,
    )


def to_pdf(certificate: Certificate) -> bytes:
    """The certificate as a one-page landscape PDF."""
    pdf = FPDF(orientation="landscape", format="Letter")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(f"Certificate of completion: {certificate.module}")
    pdf.set_author(certificate.organization)
    pdf.add_page()
    pdf.set_line_width(1)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_y(35)
    lines = (
        ("B", 28, "Certificate of completion"),
        ("", 14, "This certifies that"),
        ("B", 22, certificate.teacher),
        ("", 14, "completed the professional learning module"),
        ("B", 18, f"{certificate.module} (version {certificate.version})"),
        ("", 14, f"for {hours_text(certificate.hours)} PD hours"),
        ("", 14, f"on {certificate.completed_on.isoformat()}."),
        ("", 12, ""),
        ("", 14, f"Issued by {certificate.organization}"),
    )
    for style, size, text in lines:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(0, size * 0.6, text, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())
