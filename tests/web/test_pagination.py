"""Every API list is a page ({"items", "next_cursor"}): walking the pages returns every row exactly
once, in a stable order even where sort keys tie, with no silent cap; a cursor the list did not
give out, or a limit out of bounds, is refused with a reason (422), never a 500."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.db import utcnow
from app.models import Notification, Role, Submission, SubmissionStatus, User
from app.services.identity import access_tokens
from app.services.notifications.delivery import NEWEST_FIRST
from app.services.orgs.memberships import MEMBER_ORDER
from tests.api_pages import every, items, walk
from tests.review.support import make_definition
from tests.support import make_org, make_user


@pytest.fixture
def api(app):
    with TestClient(app) as client:
        yield client


def bearer(db, user: User, *scopes: str) -> dict[str, str]:
    _, raw = access_tokens.create_token(db, user, name="t", scopes=list(scopes), expires_in_days=1)
    db.commit()
    return {"Authorization": f"Bearer {raw}"}


def notified(db, user: User, count: int) -> list[Notification]:
    """``count`` notifications, half of them created at the very same moment (a tie)."""
    now = utcnow()
    rows = [
        Notification(
            user_id=user.id,
            kind="test",
            title=f"Note {n}",
            url="/",
            created_at=now if n % 2 else now - timedelta(seconds=n),
        )
        for n in range(count)
    ]
    db.add_all(rows)
    db.commit()
    return rows


def cursor(signature: str, values: object) -> str:
    raw = json.dumps([signature, values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_walking_notifications_returns_each_once_newest_first(api, db) -> None:
    user = make_user(db, "t@school.org", org=make_org(db))
    rows = notified(db, user, 11)
    headers = bearer(db, user, "account:read")

    pages = walk(api, "/api/v1/notifications", headers, limit=3)

    assert [len(page) for page in pages] == [3, 3, 3, 2]
    newest_first = sorted(rows, key=lambda n: (n.created_at, n.id), reverse=True)
    assert [n["id"] for page in pages for n in page] == [str(n.id) for n in newest_first]


def test_a_long_list_is_never_capped(api, db) -> None:
    user = make_user(db, "t@school.org", org=make_org(db))
    rows = notified(db, user, 260)  # the bell shows 50; the API used to stop there too
    headers = bearer(db, user, "account:read")

    pages = walk(api, "/api/v1/notifications", headers, limit=200)
    default = items(api.get("/api/v1/notifications", headers=headers))

    assert [len(page) for page in pages] == [200, 60]
    assert len({n["id"] for page in pages for n in page}) == len(rows)
    assert len(default) == 50


def test_members_with_the_same_name_each_appear_once(api, db) -> None:
    org = make_org(db)
    admin = make_user(db, "boss@school.org", org=org, role=Role.ADMIN, name="Zoe Boss")
    for n in range(6):
        make_user(db, f"sam{n}@school.org", org=org, name="Sam Same" if n % 2 else f"Ann {n}")
    headers = bearer(db, admin, "orgs:read")

    pages = walk(api, "/api/v1/orgs/riverbend/members", headers, limit=2)

    walked = [m["email"] for page in pages for m in page]
    assert [len(page) for page in pages] == [2, 2, 2, 1]
    assert sorted(walked) == sorted(["boss@school.org"] + [f"sam{n}@school.org" for n in range(6)])
    names = [m["display_name"] for page in pages for m in page]
    assert names == ["Ann 0", "Ann 2", "Ann 4", "Sam Same", "Sam Same", "Sam Same", "Zoe Boss"]


def test_a_cursor_holding_a_long_name_in_any_script_works(api, db) -> None:
    org = make_org(db)
    admin = make_user(db, "boss@school.org", org=org, role=Role.ADMIN, name="\U0001f600" * 120)
    make_user(db, "t@school.org", org=org, name="\u00c9" * 120)
    headers = bearer(db, admin, "orgs:read")

    pages = walk(api, "/api/v1/orgs/riverbend/members", headers, limit=1)

    assert [len(page) for page in pages] == [1, 1]
    assert sorted(m["email"] for page in pages for m in page) == ["boss@school.org", "t@school.org"]


def test_the_review_queue_walks_past_its_old_cap_in_both_orders(api, db) -> None:
    org = make_org(db)
    coach = make_user(db, "coach@school.org", org=org, role=Role.COACH)
    teacher = make_user(db, "t@school.org", org=org)
    definition = make_definition(db, org)
    moment = utcnow()
    rows = [
        Submission(
            organization_id=org.id,
            micro_credential_id=definition.id,
            user_id=teacher.id,
            status=SubmissionStatus.SUBMITTED,
            submitted_at=moment - timedelta(minutes=n % 3),
        )
        for n in range(8)
    ]
    db.add_all(rows)
    db.commit()
    headers = bearer(db, coach, "reviews:read")
    url = "/api/v1/reviews/queue"

    oldest = walk(api, url, headers, limit=3)
    newest = every(api, url, headers, limit=3, sort="newest")

    walked = [s["id"] for page in oldest for s in page]
    assert [len(page) for page in oldest] == [3, 3, 2]
    assert sorted(walked) == sorted(str(s.id) for s in rows)
    assert [s["submitted_at"] for page in oldest for s in page] == sorted(
        s["submitted_at"] for s in newest
    )
    assert sorted(s["id"] for s in newest) == sorted(walked)
    first = api.get(url, params={"limit": 3}, headers=headers).json()["next_cursor"]
    switched = api.get(url, params={"sort": "newest", "cursor": first}, headers=headers)
    assert switched.status_code == 422
    assert switched.json()["error"] == "invalid_cursor"


BAD_CURSORS = [
    "not a cursor!",
    "é",
    base64.urlsafe_b64encode(b"hello").decode(),
    cursor("0123456789ab", ["2026-01-01T00:00:00+00:00", "00000000-0000-0000-0000-000000000000"]),
    cursor(NEWEST_FIRST.signature, ["2026-01-01T00:00:00+00:00"]),
    cursor(NEWEST_FIRST.signature, ["yesterday", "00000000-0000-0000-0000-000000000000"]),
    cursor(NEWEST_FIRST.signature, ["2026-01-01T00:00:00", "00000000-0000-0000-0000-000000000000"]),
    cursor(NEWEST_FIRST.signature, ["9999-12-31T23:59:59-05:00", str(uuid.UUID(int=0))]),
    cursor(NEWEST_FIRST.signature, ["2026-01-01T00:00:00+00:00", "not-a-uuid"]),
    cursor(NEWEST_FIRST.signature, [1, True]),
    cursor(NEWEST_FIRST.signature, {"a": 1}),
]


@pytest.mark.parametrize("bad", BAD_CURSORS)
def test_a_cursor_the_list_did_not_give_out_is_refused(api, db, bad: str) -> None:
    user = make_user(db, "t@school.org", org=make_org(db))
    notified(db, user, 3)

    response = api.get(
        "/api/v1/notifications", params={"cursor": bad}, headers=bearer(db, user, "account:read")
    )

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_cursor"
    assert "next_cursor" in response.json()["detail"]


@pytest.mark.parametrize("name", ["\ud800", "a\x00b", 7])
def test_a_cursor_with_a_name_no_database_takes_is_refused(api, db, name: object) -> None:
    admin = make_user(db, "boss@school.org", org=make_org(db), role=Role.ADMIN)
    bad = cursor(MEMBER_ORDER.signature, [name, str(uuid.UUID(int=0))])

    response = api.get(
        "/api/v1/orgs/riverbend/members",
        params={"cursor": bad},
        headers=bearer(db, admin, "orgs:read"),
    )

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_cursor"


def test_a_cursor_of_another_list_is_refused(api, db) -> None:
    org = make_org(db)
    admin = make_user(db, "boss@school.org", org=org, role=Role.ADMIN)
    make_user(db, "t@school.org", org=org)
    notified(db, admin, 3)
    headers = bearer(db, admin, "orgs:read", "account:read")
    members = api.get("/api/v1/orgs/riverbend/members", params={"limit": 1}, headers=headers)

    borrowed = members.json()["next_cursor"]
    response = api.get("/api/v1/notifications", params={"cursor": borrowed}, headers=headers)

    assert borrowed is not None
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_cursor"


@pytest.mark.parametrize("limit", ["0", "-1", "201", "1000000", "ten", "1.5"])
def test_a_limit_out_of_bounds_is_refused(api, db, limit: str) -> None:
    user = make_user(db, "t@school.org", org=make_org(db))
    headers = bearer(db, user, "learning:read")

    response = api.get("/api/v1/enrollments", params={"limit": limit}, headers=headers)

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert response.json()["detail"].startswith("query.limit:")


def test_the_openapi_document_describes_pages(api) -> None:
    spec = api.get("/api/openapi.json").json()
    operation = spec["paths"]["/api/v1/reviews/queue"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    page = spec["components"]["schemas"][ok["$ref"].rsplit("/", 1)[1]]

    assert parameters["limit"]["schema"]["maximum"] == 200
    assert parameters["limit"]["schema"]["default"] == 50
    assert set(page["required"]) == {"items", "next_cursor"}
    assert page["properties"]["items"]["items"]["$ref"].endswith("/SubmissionRead")
