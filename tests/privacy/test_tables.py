"""Every table holding a person's rows is exported or explicitly not personal; every audit
action has a readable label."""

from __future__ import annotations

import re
from pathlib import Path

import app.models  # noqa: F401 - registers every table
from app.db import Base
from app.services.privacy import collect, labels
from app.services.privacy.tables import EXPORTED, NOT_PERSONAL

ROOT = Path(__file__).resolve().parents[2]
ACTION = re.compile(r"audit\.record\(\s*db,\s*\"([a-z_]+\.[a-z_.]+)\"", re.S)


def tables_pointing_to_users() -> set[str]:
    found = set()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                found.add(table.name)
    return found | {"users"}


def test_every_table_with_a_user_is_exported_or_declared_not_personal() -> None:
    with_users = tables_pointing_to_users()
    forgotten = with_users - set(EXPORTED) - set(NOT_PERSONAL)
    assert not forgotten, f"add these tables to app/services/privacy/tables.py: {forgotten}"
    assert not set(EXPORTED) & set(NOT_PERSONAL)
    known = {t.name for t in Base.metadata.sorted_tables}
    assert set(EXPORTED) <= known
    assert set(NOT_PERSONAL) <= known


def test_every_export_file_is_described() -> None:
    assert set(EXPORTED.values()) <= set(collect.DESCRIPTIONS)


def test_every_recorded_action_has_a_label() -> None:
    actions = set()
    for path in (ROOT / "app").rglob("*.py"):
        actions |= set(ACTION.findall(path.read_text()))
    assert actions, "the pattern found no audit.record calls"
    unlabelled = actions - set(labels.LABELS)
    assert not unlabelled, f"add readable labels for {unlabelled}"


def test_unknown_actions_still_read_as_words() -> None:
    assert labels.label("evidence.file_downloaded") == "Evidence file downloaded"
    assert labels.target_label("submission") == "Evidence submission"
