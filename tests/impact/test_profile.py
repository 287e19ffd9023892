"""The teacher's optional profile fields: school per organization, and demographics that are off
by default, counted only while she shares them, and deleted when she withdraws."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from app.models import LearnerProfile, Membership
from tests.impact.support import small_org


def _gender_table(web) -> dict[str, list[str]]:
    body = web.get("/orgs/riverbend/admin/impact/by-gender.csv").text
    return {row[0]: row[1:5] for row in csv.reader(io.StringIO(body))}


def _profile(db, user) -> LearnerProfile:
    db.expire_all()
    return db.scalar(select(LearnerProfile).where(LearnerProfile.user_id == user.id))


def test_off_by_default_and_withdrawn_data_no_longer_counted(web, web2, db) -> None:
    world = small_org(db)
    world.org.min_cell_size = 1
    db.commit()
    teacher = world.teachers[2]  # shares nothing yet
    membership = db.scalar(select(Membership).where(Membership.user_id == teacher.id))
    web.sign_in(teacher.email)
    page = web.page("/learning/goals")
    assert "Demographics (optional, off by default)" in page
    assert 'name="share_demographics" value="1">' in page  # not checked
    assert "never with your name" in page

    # answers without the box ticked are not kept, and not counted
    form = {"about_me": "1", "goals": "", "gender": "Non-binary", f"school-{membership.id}": "Oak"}
    assert web.post("/learning/goals", form).status_code == 303
    profile = _profile(db, teacher)
    assert (profile.share_demographics, profile.gender) == (False, "")
    db.refresh(membership)
    assert membership.school == "Oak"
    web2.sign_in(world.admin.email)
    assert "Non-binary" not in _gender_table(web2)

    # shared: counted
    form["share_demographics"] = "1"
    assert web.post("/learning/goals", form).status_code == 303
    assert _gender_table(web2)["Non-binary"] == ["0", "0", "1", "1"]
    assert 'name="share_demographics" value="1" checked' in web.page("/learning/goals")

    # withdrawn: deleted and no longer counted
    del form["share_demographics"]
    assert web.post("/learning/goals", form).status_code == 303
    profile = _profile(db, teacher)
    assert (profile.share_demographics, profile.gender) == (False, "")
    assert "Non-binary" not in _gender_table(web2)


def test_bad_answers_are_refused_and_nothing_changes(web, db) -> None:
    world = small_org(db)
    teacher = world.teachers[0]
    web.sign_in(teacher.email)
    before = _profile(db, teacher).gender
    bad = web.post(
        "/learning/goals",
        {"about_me": "1", "share_demographics": "1", "gender": "<script>", "goals": "changed"},
    )
    assert bad.status_code == 422
    assert "Choose one of the options listed" in bad.text
    profile = _profile(db, teacher)
    assert profile.gender == before
    assert profile.goals == ""
    other = web.post(
        "/learning/goals", {"about_me": "1", f"school-{world.org.id}": "Somewhere", "goals": ""}
    )
    assert other.status_code == 422  # not one of her memberships
