"""The module document: one JSON object describing a whole module, for import and export.

The schema is documented in docs/modules.md. Parsing keeps the line where every JSON object
starts, so a validation error can name both the field and the line.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from json.decoder import JSONObject  # type: ignore[attr-defined]
from json.scanner import py_make_scanner  # type: ignore[attr-defined]
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.errors import Invalid

SCHEMA_ID: Final = "https://laurel.example/schemas/module-document/v1"
MAX_DOCUMENT_BYTES = 1_000_000
MAX_NESTING = 32  # a module document nests about 5 deep; the parser recurses once a level
STRINGS = re.compile(r'"(?:[^"\\]++|\\.)*+"')
BRACKETS = re.compile(r"[\[\]{}]")
Url = str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StandardDoc(_Strict):
    """A standard the module aligns with."""

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    url: Url | None = Field(default=None, max_length=500, pattern=r"^https?://")


class ChoiceDoc(_Strict):
    """An answer option."""

    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    text: str = Field(min_length=1, max_length=500)
    correct: bool = False


class QuestionDoc(_Strict):
    """A multiple-choice (one answer) or multiple-answer question."""

    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    text: str = Field(min_length=1, max_length=1000)
    multiple: bool = False
    choices: list[ChoiceDoc] = Field(min_length=2, max_length=10)

    @model_validator(mode="after")
    def _one_correct(self) -> QuestionDoc:
        correct = sum(c.correct for c in self.choices)
        if correct == 0 or (not self.multiple and correct > 1):
            raise ValueError("a single-answer question needs exactly one correct choice")
        if len({c.id for c in self.choices}) != len(self.choices):
            raise ValueError("choice ids must be unique within a question")
        return self


ActivityKindName = Literal["reading", "video", "resource", "reflection", "quiz", "evidence"]


class ActivityDoc(_Strict):
    """One activity; which fields apply depends on ``kind``."""

    kind: ActivityKindName
    title: str = Field(min_length=1, max_length=200)
    required: bool = True
    body: str = Field(default="", max_length=50_000)
    url: Url | None = Field(default=None, max_length=500, pattern=r"^https?://")
    transcript_url: Url | None = Field(default=None, max_length=500, pattern=r"^https?://")
    pass_mark: int | None = Field(default=None, ge=1, le=100)
    evidence_target: str | None = Field(default=None, max_length=200)
    questions: list[QuestionDoc] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _fits_kind(self) -> ActivityDoc:
        if self.kind in ("video", "resource") and not self.url:
            raise ValueError(f"a {self.kind} activity needs a url")
        if self.kind == "video" and not self.transcript_url:
            raise ValueError("a video needs a transcript_url (transcript or captions)")
        if self.kind == "quiz" and not self.questions:
            raise ValueError("a quiz needs at least one question")
        if self.kind != "quiz" and self.questions:
            raise ValueError("only quizzes have questions")
        if len({q.id for q in self.questions}) != len(self.questions):
            raise ValueError("question ids must be unique within a quiz")
        return self


class SectionDoc(_Strict):
    """An ordered section with its activities."""

    title: str = Field(min_length=1, max_length=200)
    activities: list[ActivityDoc] = Field(default_factory=list, max_length=50)


class ModuleDoc(_Strict):
    """A whole module."""

    schema_: Literal["https://laurel.example/schemas/module-document/v1"] = Field(
        default=SCHEMA_ID, alias="$schema"
    )
    title: str = Field(min_length=3, max_length=200)
    summary: str = Field(default="", max_length=2000)
    cover_image_url: str | None = Field(default=None, max_length=500, pattern=r"^(https?://|/)")
    grade_band: str = Field(default="", max_length=40)
    subject: str = Field(default="", max_length=80)
    language: str = Field(default="en", min_length=2, max_length=10)
    estimated_minutes: int = Field(default=30, ge=1, le=10_000)
    pd_hours: Decimal = Field(default=Decimal("0"), ge=0, le=200, decimal_places=2)
    format: Literal["self_paced", "cohort"] = "self_paced"
    starts_on: date | None = None
    ends_on: date | None = None
    capacity: int | None = Field(default=None, ge=1, le=100_000)
    tags: list[str] = Field(default_factory=list, max_length=20)
    standards: list[StandardDoc] = Field(default_factory=list, max_length=30)
    sections: list[SectionDoc] = Field(default_factory=list, max_length=30)

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @model_validator(mode="after")
    def _cohort_dates(self) -> ModuleDoc:
        if self.format == "cohort" and not (self.starts_on and self.ends_on and self.capacity):
            raise ValueError("a cohort needs starts_on, ends_on and capacity")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        if any(not t.strip() or len(t) > 40 for t in self.tags):
            raise ValueError("tags must be 1 to 40 characters")
        return self


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _parse_with_lines(text: str) -> tuple[Any, dict[int, int]]:
    """Parse JSON, remembering where each object starts: ``{id(obj): index}``."""
    starts: dict[int, int] = {}
    decoder = json.JSONDecoder()

    def parse_object(s_and_end: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        obj, end = JSONObject(s_and_end, *args, **kwargs)
        starts[id(obj)] = s_and_end[1] - 1
        return obj, end

    setattr(decoder, "parse_object", parse_object)  # noqa: B010 - the pure-Python scanner reads it
    setattr(decoder, "scan_once", py_make_scanner(decoder))  # noqa: B010
    return decoder.decode(text), starts


def _locate(text: str, data: Any, starts: dict[int, int], loc: tuple[int | str, ...]) -> int:
    """The line of the field at ``loc`` (or of the closest object that contains it)."""
    node, index = data, 0
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str):
            index = starts.get(id(node), index)
            found = text.find(json.dumps(part), index)
            if part not in node:
                break
            index = found if found >= 0 else index
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            index = starts.get(id(node), index)
        else:
            break
    return _line_of(text, index)


def _nesting(text: str) -> int:
    """How deeply arrays and objects nest in JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in BRACKETS.findall(STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def parse_document(raw: bytes | str) -> ModuleDoc:
    """Validate a module document; Invalid names the field and line of the first problem."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise Invalid("The file is larger than 1 MB.", field="document")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise Invalid("The file is not UTF-8 text.", field="document") from exc
    if _nesting(text) > MAX_NESTING:
        raise Invalid(
            f"Lists and objects nest more than {MAX_NESTING} deep; a module needs far fewer.",
            field="document",
        )
    try:
        data, starts = _parse_with_lines(text)
    except json.JSONDecodeError as exc:
        raise Invalid(
            f"This is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).",
            field="document",
        ) from exc
    except ValueError as exc:  # a number of thousands of digits (Python's conversion limit)
        raise Invalid("A number in the file is too long to read.", field="document") from exc
    if not isinstance(data, dict):
        raise Invalid("The document must be one JSON object (line 1).", field="document")
    try:
        return ModuleDoc.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(p for p in first["loc"] if isinstance(p, str | int))
        path = ".".join(str(p) for p in loc) or "(document)"
        line = _locate(text, data, starts, loc)
        message = first["msg"].removeprefix("Value error, ")
        more = (
            f" ({len(exc.errors()) - 1} more problem(s) after this one)"
            if len(exc.errors()) > 1
            else ""
        )
        raise Invalid(f"{path}, line {line}: {message}.{more}", field="document") from exc


def questions_from_text(text: str) -> list[dict[str, Any]]:
    """Quiz questions from the authoring form's plain text.

    Questions are separated by a blank line; the first line is the question, each further line a
    choice, and a leading ``*`` marks a correct choice (two or more make it multiple-answer).
    """
    questions: list[dict[str, Any]] = []
    for q_index, block in enumerate(
        b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()
    ):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        choices = [
            {
                "id": chr(97 + i) if i < 26 else f"c{i}",
                "text": line.lstrip("*").strip(),
                "correct": line.startswith("*"),
            }
            for i, line in enumerate(lines[1:])
        ]
        questions.append(
            {
                "id": f"q{q_index + 1}",
                "text": lines[0],
                "multiple": sum(1 for c in choices if c["correct"]) > 1,
                "choices": choices,
            }
        )
    return questions


def questions_to_text(questions: list[dict[str, Any]]) -> str:
    """The authoring form's text for existing questions."""
    return "\n\n".join(
        "\n".join(
            [q["text"]] + [("*" if c.get("correct") else "") + c["text"] for c in q["choices"]]
        )
        for q in questions
    )
