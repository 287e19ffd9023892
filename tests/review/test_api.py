"""The JSON API for evidence and reviews: the same rules as the pages, in JSON."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.models import Award, Submission
from tests.api_pages import items
from tests.review.support import MINIMAL_PDF, make_world
from tests.support import WebClient


def token(web: WebClient, email: str, scopes: list[str]) -> dict[str, str]:
    web.client.cookies.clear()
    web.sign_in(email)
    response = web.post("/account/tokens", {"name": "t", "scopes": scopes, "expires_in_days": "30"})
    assert response.status_code == 201, response.text
    raw = re.search(r'value="(lrl_[^"]+)"', response.text).group(1)
    return {"Authorization": f"Bearer {raw}"}


def test_submit_and_review_through_the_api(web: WebClient, db) -> None:
    w = make_world(db)
    teacher = token(web, w.teacher.email, ["evidence:read", "evidence:write"])
    coach = token(web, w.coach.email, ["reviews:read", "reviews:write"])
    other = token(web, w.teacher2.email, ["evidence:read", "evidence:write", "reviews:read"])
    api = web.client

    started = api.post(f"/api/v1/micro-credentials/{w.definition.id}/submissions", headers=teacher)
    assert started.status_code == 201, started.text
    sid = started.json()["id"]
    draft = api.put(
        f"/api/v1/evidence/submissions/{sid}/draft",
        json={"responses": {"reflection": "Exit tickets"}, "links": {"links": ["ftp://x"]}},
        headers=teacher,
    )
    assert draft.status_code == 422
    assert "is not a web address" in draft.json()["detail"]
    draft = api.put(
        f"/api/v1/evidence/submissions/{sid}/draft",
        json={"responses": {"reflection": "Exit tickets"}},
        headers=teacher,
    )
    assert draft.status_code == 200
    lie = api.post(
        f"/api/v1/evidence/submissions/{sid}/files",
        data={"requirement": "artifacts"},
        files={"file": ("plan.pdf", b"<html></html>")},
        headers=teacher,
    )
    assert lie.status_code == 422
    assert "'plan.pdf' is not a PDF" in lie.json()["detail"]
    added = api.post(
        f"/api/v1/evidence/submissions/{sid}/files",
        data={"requirement": "artifacts"},
        files={"file": ("plan.pdf", MINIMAL_PDF)},
        headers=teacher,
    )
    assert added.status_code == 201
    assert added.json()["attempts"][0]["files"][0]["content_type"] == "application/pdf"
    no_privacy = api.post(
        f"/api/v1/evidence/submissions/{sid}/submit",
        json={"privacy_confirmed": False},
        headers=teacher,
    )
    assert no_privacy.status_code == 422
    sent = api.post(
        f"/api/v1/evidence/submissions/{sid}/submit",
        json={"privacy_confirmed": True},
        headers=teacher,
    )
    assert sent.json()["status"] == "submitted"

    assert api.get(f"/api/v1/evidence/submissions/{sid}", headers=other).status_code == 404
    assert api.get("/api/v1/reviews/queue", headers=other).status_code == 403
    assert api.get("/api/v1/reviews/queue", headers=teacher).status_code == 403  # no scope

    queue = items(api.get("/api/v1/reviews/queue", headers=coach))
    assert [s["id"] for s in queue] == [sid]
    assert api.post(f"/api/v1/reviews/submissions/{sid}/claim", headers=coach).status_code == 200
    scores = [{"criterion": "plan", "level": 3}, {"criterion": "practice", "level": 4}]
    missing = api.post(
        f"/api/v1/reviews/submissions/{sid}/decision",
        json={"attempt_no": 1, "decision": "earned", "scores": scores},
        headers=coach,
    )
    assert missing.status_code == 422
    assert missing.json()["detail"] == "Score 'Reflection' before deciding."
    scores.append({"criterion": "reflect", "level": 3, "comment": "Thoughtful."})
    decided = api.post(
        f"/api/v1/reviews/submissions/{sid}/decision",
        json={"attempt_no": 1, "decision": "earned", "scores": scores, "feedback": "Yes."},
        headers=coach,
    )
    assert decided.status_code == 201, decided.text
    assert decided.json()["total_points"] == 10
    again = api.post(
        f"/api/v1/reviews/submissions/{sid}/decision",
        json={"attempt_no": 1, "decision": "earned", "scores": scores},
        headers=coach,
    )
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"
    mine = api.get(f"/api/v1/evidence/submissions/{sid}", headers=teacher).json()
    assert mine["status"] == "earned"
    assert mine["attempts"][0]["reviews"][0]["feedback"] == "Yes."
    db.expire_all()
    assert db.scalars(select(Award)).one().submission_id == db.scalars(select(Submission)).one().id
