"""What changed between two attempts: text differences, links and files added or removed."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from app.models import EvidenceAttempt, MicroCredential
from app.services.review.evidence import REFLECTION, requirements


@dataclass(frozen=True)
class TextChange:
    """How one written requirement changed: lines marked ``same``, ``added`` or ``removed``."""

    key: str
    label: str
    lines: list[tuple[str, str]]


@dataclass(frozen=True)
class Changes:
    """What changed between two attempts."""

    texts: list[TextChange]
    links_added: list[str]
    links_removed: list[str]
    files_added: list[str]
    files_removed: list[str]

    @property
    def any(self) -> bool:
        """Whether anything changed at all."""
        return bool(
            self.texts
            or self.links_added
            or self.links_removed
            or self.files_added
            or self.files_removed
        )


def changes(
    definition: MicroCredential, previous: EvidenceAttempt, current: EvidenceAttempt
) -> Changes:
    """Per-requirement text differences, and links and files added or removed."""
    texts = []
    for req in requirements(definition):
        if req["kind"] != REFLECTION:
            continue
        before = previous.responses.get(req["key"], "")
        after = current.responses.get(req["key"], "")
        if before != after:
            texts.append(TextChange(req["key"], req["label"], _line_diff(before, after)))
    old_links = {link["url"] for link in previous.links}
    new_links = {link["url"] for link in current.links}
    old_files = {(f.filename, f.sha256) for f in previous.files}
    new_files = {(f.filename, f.sha256) for f in current.files}
    return Changes(
        texts=texts,
        links_added=sorted(new_links - old_links),
        links_removed=sorted(old_links - new_links),
        files_added=sorted(name for name, _ in new_files - old_files),
        files_removed=sorted(name for name, _ in old_files - new_files),
    )


def _line_diff(before: str, after: str) -> list[tuple[str, str]]:
    marks = {"  ": "same", "+ ": "added", "- ": "removed"}
    return [
        (marks[line[:2]], line[2:])
        for line in difflib.ndiff(before.splitlines(), after.splitlines())
        if line[:2] in marks
    ]
