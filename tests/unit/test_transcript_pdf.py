"""The PDF transcript prints every name as written, not only Latin-1 ones."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from app.services.learning.transcript import Transcript, TranscriptRow, to_pdf


def test_names_in_any_script_survive() -> None:
    transcript = Transcript(
        teacher="Nguyễn Thị Lan",
        email="lan@riverbend.org",
        organizations=["Distrito Escolar de Peñasco"],
        start=None,
        end=None,
        rows=[
            TranscriptRow(
                date(2026, 11, 2), "Evaluación formativa", 1, "Łódź Teachers", Decimal(2)
            ),
        ],
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(to_pdf(transcript))).pages)
    for expected in ("Nguyễn Thị Lan", "Peñasco", "Evaluación formativa", "Łódź", "2"):
        assert expected in text
    assert "?" not in text
