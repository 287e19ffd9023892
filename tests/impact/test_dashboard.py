"""The dashboard, its CSV files and the API on a known organization: the figures are right when
nothing is small enough to suppress, and a small organization shows no number under the
threshold anywhere (page, CSV, JSON)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.db import utcnow
from tests.impact.support import bearer, shown_numbers, small_org

CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
TABLES = [
    "summary", "trends", "by-school", "by-subject", "by-grade-band", "by-gender",
    "by-race-ethnicity", "by-years-experience", "first-try", "surveys", "pathways", "communities",
]  # fmt: skip


@pytest.fixture
def api(app):
    with TestClient(app) as client:
        yield client


def _summary(web, slug: str) -> dict[str, str]:
    body = web.get(f"/orgs/{slug}/admin/impact/summary.csv").text
    return {row[0]: row[1] for row in csv.reader(io.StringIO(body))}


def test_figures_on_a_known_dataset(web, db) -> None:
    world = small_org(db)
    world.org.min_cell_size = 1  # nothing is suppressed: the figures themselves are checked
    db.commit()
    web.sign_in(world.admin.email)
    summary = _summary(web, "riverbend")
    assert summary["Members"] == "5"  # three teachers, the coach and the admin
    assert summary["Enrollments"] == "2"
    assert summary["Active learners"] == "2"
    assert summary["Members who completed a module"] == "1"
    assert summary["Module completions"] == "1"
    assert summary["Completion rate (of active learners)"] == "50 %"
    assert summary["PD hours from modules"] == "2.0"
    assert summary["Review turnaround, median (hours)"] == "2.0"
    assert summary["Survey ratings"] == "1"
    assert summary["Average survey rating (1-5)"] == "5.0"
    assert summary["Pathway completions"] == "1"
    assert summary["People who posted in communities"] == "1"
    school = list(
        csv.reader(io.StringIO(web.get("/orgs/riverbend/admin/impact/by-school.csv").text))
    )
    assert school[0][:5] == [
        "School", "Completed a module", "Active, no completion yet", "No learning activity",
        "Members",
    ]  # fmt: skip
    assert school[1][:5] == ["Hillcrest Elementary", "1", "1", "1", "3"]
    assert school[2][:5] == ["Not given", "0", "0", "2", "2"]
    gender = {
        r[0]: r[1:5]
        for r in csv.reader(io.StringIO(web.get("/orgs/riverbend/admin/impact/by-gender.csv").text))
    }
    assert gender["Woman"] == ["1", "0", "0", "1"]  # she chose to share it
    assert "Man" not in gender  # the others did not
    assert gender["Not shared"] == ["0", "1", "3", "4"]
    first = list(
        csv.reader(io.StringIO(web.get("/orgs/riverbend/admin/impact/first-try.csv").text))
    )
    assert first[1] == ["Formative Assessment", "1", "0", "1", "100 %"]
    page = web.page("/orgs/riverbend/admin/impact")
    assert "Loved the exit tickets" in page
    assert 'role="img"' in page
    assert "<title" in page


def test_a_small_organization_shows_nothing_under_the_threshold(web, api, db) -> None:
    world = small_org(db)
    assert world.org.min_cell_size == 10
    web.sign_in(world.admin.email)
    page = web.page("/orgs/riverbend/admin/impact")
    texts = [re.sub(r"<[^>]+>", "", t).strip() for t in CELL.findall(page)]
    assert "suppressed" in texts
    assert [n for n in shown_numbers(texts) if n != 0] == []
    assert "Loved the exit tickets" not in page  # one response: no comments shown
    for table in TABLES:
        response = web.get(f"/orgs/riverbend/admin/impact/{table}.csv")
        assert response.status_code == 200, table
        rows = list(csv.reader(io.StringIO(response.text)))
        cells = [cell for row in rows[1:] for cell in row[1:]]
        assert [n for n in shown_numbers(cells) if n != 0] == [], table
    body = api.get("/api/v1/orgs/riverbend/impact", headers=bearer(db, world.admin)).json()
    values = [
        cell
        for table in body["tables"]
        for row in [*(r["cells"] for r in table["rows"]), table["totals"] or []]
        for cell in row
    ]
    assert values
    for cell in values:
        assert cell["value"] in (None, 0), cell
        assert cell["display"] in ("suppressed", "0", "0.0", "0 %", "—"), cell
    assert body["comments"] == {}
    assert body["min_cell_size"] == 10


def test_the_api_gives_the_same_tables_as_the_page(web, api, db) -> None:
    world = small_org(db)
    world.org.min_cell_size = 1
    db.commit()
    web.sign_in(world.admin.email)
    today = utcnow().date()
    query = f"from={today - timedelta(days=400)}&to={today + timedelta(days=30)}"
    body = api.get(f"/api/v1/orgs/riverbend/impact?{query}", headers=bearer(db, world.admin))
    assert body.status_code == 200, body.text
    data = body.json()
    assert data["from"] == str(today - timedelta(days=400))
    assert [t["key"] for t in data["tables"]] == TABLES
    summary = {r["label"]: r["cells"][0]["display"] for r in data["tables"][0]["rows"]}
    assert summary == _summary_for(web, query)
    assert summary["Enrollments"] == "2"


def _summary_for(web, query: str) -> dict[str, str]:
    body = web.get(f"/orgs/riverbend/admin/impact/summary.csv?{query}").text
    return {row[0]: row[1] for row in list(csv.reader(io.StringIO(body)))[1:]}
