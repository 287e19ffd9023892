"""The demo micro-credentials seed once and are usable."""

from __future__ import annotations

from sqlalchemy import select

from app.demo import learning as demo_learning
from app.demo.microcredentials import seed_microcredentials
from app.models import AwardRule, DefinitionStatus, MicroCredential, Role
from app.services.microcredentials import definitions as microcredentials
from tests.support import make_org, make_user


def snapshot(db) -> list[tuple[str, int, str]]:
    db.expire_all()
    rows = db.scalars(select(MicroCredential).order_by(MicroCredential.name))
    return [(d.name, d.version, d.status.value) for d in rows]


def test_seed_twice_changes_nothing(db, settings) -> None:
    org = make_org(db)
    people = [
        make_user(db, "admin@riverbend.org", org=org, role=Role.ADMIN),
        make_user(db, "coach@riverbend.org", org=org, role=Role.COACH),
        make_user(db, "teacher@riverbend.org", org=org),
        make_user(db, "teacher2@riverbend.org", org=org),
    ]
    demo_learning.seed_learning(db, org)
    seed_microcredentials(db, settings, org, people)
    db.commit()
    first = snapshot(db)
    seed_microcredentials(db, settings, org, people)
    db.commit()
    assert snapshot(db) == first
    assert len(first) == 4
    assert all(status == DefinitionStatus.PUBLISHED.value for _, _, status in first)
    catalog = microcredentials.catalog(db, people[2])
    reviewed = [d for d in catalog if d.award_rule == AwardRule.REVIEW]
    assert len(reviewed) == 3
    assert all(len(d.rubric) >= 3 and len(d.rubric[0]["levels"]) == 4 for d in reviewed)
    [badge] = [d for d in catalog if d.award_rule == AwardRule.COMPLETION]
    assert badge.pathway_id is not None
    assert microcredentials.rule_text(reviewed[0]).startswith("Every criterion at level 3")
