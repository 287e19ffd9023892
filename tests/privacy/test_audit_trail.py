"""The audit trail: admins search and export their organization's events only; a teacher sees
who accessed her records; there is no way to change or delete an entry."""

from __future__ import annotations

import csv
import io

from app.kit import audit
from app.models import Role, Submission
from tests.privacy.support import login, make_rich
from tests.route_table import app_routes
from tests.support import make_org, make_user

AUDIT = "/orgs/riverbend/admin/audit"


def _rows(text: str) -> str:
    """The table of entries (not the search form, whose menu lists every action)."""
    return text.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in text else ""


def _other_org_event(db):
    other = make_org(db, "hillside")
    boss = make_user(db, "boss@hillside.org", org=other, role=Role.ADMIN, name="Otto Other")
    hidden = make_user(db, "hidden@hillside.org", org=other, name="Hilda Hidden")
    audit.record(db, "account.password_changed", hidden, actor=hidden, organization_id=other.id)
    db.commit()
    return boss


def test_only_admins_of_the_organization_read_it(web, web2, db) -> None:
    rich = make_rich(db, web, web2)
    w = rich.world
    boss = _other_org_event(db)
    for person in (w.teacher, w.coach, boss):
        login(web, person.email)
        assert web.get(AUDIT).status_code == 403
        assert web.get(AUDIT + ".csv").status_code == 403
    web.client.cookies.clear()
    assert web.get(AUDIT).status_code == 303
    assert web.get("/orgs/nowhere/admin/audit").status_code in (303, 404)


def test_search_filters_pages_and_tenants(web, web2, db) -> None:
    rich = make_rich(db, web, web2)
    w = rich.world
    _other_org_event(db)
    login(web, w.admin.email)
    page = web.page(AUDIT)
    assert "Evidence decided" in page  # readable labels
    assert "Cora Coach" in page
    assert "Hilda Hidden" not in page
    assert "hidden@hillside.org" not in page

    decided = _rows(web.page(AUDIT + "?action=review.decided"))
    assert "Evidence decided" in decided
    assert "Enrolled in a module" not in decided
    by_coach = _rows(web.page(f"{AUDIT}?actor={w.coach.email}"))
    assert "Evidence decided" in by_coach
    assert "Enrolled in a module" not in by_coach
    about_theo = _rows(web.page(f"{AUDIT}?subject={w.teacher2.email}"))
    assert "Evidence decided" not in about_theo
    about_tess = _rows(web.page(f"{AUDIT}?subject=Tess Teacher"))
    assert "Evidence decided" in about_tess
    assert "No entries match" in web.page(f"{AUDIT}?since=2999-01-01")
    assert "Evidence decided" in web.page(f"{AUDIT}?since=2000-01-01&until=2999-12-31")
    # another organization's events by its subject: nothing crosses over
    assert "No entries match" in web.page(f"{AUDIT}?subject=hidden@hillside.org")

    # keyset pages: every entry once
    for _ in range(60):
        audit.record(db, "member.role_changed", w.teacher, actor=w.admin, organization_id=w.org.id)
    db.commit()
    seen = 0
    url = f"{AUDIT}?action=member.role_changed"
    pages = 0
    while url:
        text = web.page(url)
        rows = _rows(text)
        seen += rows.count("Member&#39;s role changed") + rows.count("Member's role changed")
        pages += 1
        marker = 'rel="next"'
        if marker not in text:
            break
        href = text.split(marker)[0].rsplit('href="', 1)[1].split('"')[0]
        url = href.replace("&amp;", "&")
    assert pages == 2
    assert seen == 60


def test_csv_export_is_the_search(web, web2, db) -> None:
    rich = make_rich(db, web, web2)
    w = rich.world
    _other_org_event(db)
    sly = make_user(db, "sly@riverbend.org", org=w.org, role=Role.ADMIN, name="=SUM(1+1)")
    audit.record(db, "member.role_changed", w.teacher, actor=sly, organization_id=w.org.id)
    db.commit()
    login(web, w.admin.email)
    response = web.get(AUDIT + ".csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    header, body = rows[0], rows[1:]
    assert header[0] == "time (UTC)"
    actions = {r[1] for r in body}
    assert "review.decided" in actions
    assert "account.password_changed" not in actions  # the other organization's
    assert "hidden@hillside.org" not in response.text
    actors = [r[3] for r in body if r[1] == "member.role_changed"]
    assert actors == ["'=SUM(1+1)"]  # a spreadsheet shows it, never runs it
    only = list(csv.reader(io.StringIO(web.get(AUDIT + ".csv?action=review.decided").text)))
    assert {r[1] for r in only[1:]} == {"review.decided"}


def test_bad_input_is_a_clear_4xx(web, web2, db) -> None:
    rich = make_rich(db, web, web2)
    login(web, rich.world.admin.email)
    answers = {
        query: web.get(AUDIT + query).status_code
        for query in (
            "?since=yesterday",
            "?until=2026-13-45",
            "?since=2026-05-01&until=2026-01-01",
            "?cursor=not-a-cursor",
            "?actor=" + "x" * 400,
        )
    }
    assert list(answers.values()) == [422, 422, 422, 422, 400]
    assert web.get(AUDIT + ".csv?since=nope").status_code == 422


def test_no_route_changes_or_deletes_audit_entries(app) -> None:
    audit_routes = [route for route in app_routes(app) if "audit" in route.path]
    assert len(audit_routes) >= 2  # the admins' trail and its CSV
    for route in audit_routes:
        assert route.methods <= {"GET", "HEAD"}, route.path


def test_a_teacher_sees_who_accessed_her_records(web, web2, db) -> None:
    rich = make_rich(db, web, web2)
    w = rich.world
    submission = db.get(Submission, rich.submission.id)
    audit.record(db, "evidence.viewed", submission, actor=w.admin)
    db.commit()
    login(web, w.teacher.email)
    page = web.page("/account/access")
    assert "Cora Coach" in page
    assert "coach, Riverbend" in page
    assert "Evidence decided" in page
    assert "Evidence viewed" in page
    assert "Ada Admin" in page
    assert w.coach.email not in page  # others are named, not their addresses
    assert "Enrolled in a module" not in page  # her own actions are not listed
    assert "Laurel (automatic)" in page  # the credential Laurel issued
    login(web, w.teacher2.email)
    theirs = web.page("/account/access")
    assert "Cora Coach" not in theirs
    assert "No one else has viewed or changed your records yet." in theirs
    assert web.get("/account/access?cursor=garbage").status_code in (400, 422)
