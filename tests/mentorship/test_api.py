"""The coaching JSON API: scoped tokens, only the pair sees it, private notes stay private."""

from __future__ import annotations

import uuid

from app.models import CoachingGoal, GoalStatus
from app.services.mentorship import goals as coaching_goals
from app.services.mentorship import messages as coaching_messages
from app.services.mentorship import pairs as coaching
from tests.api_pages import every, items, walk
from tests.mentorship.conftest import World, pair, token_for

READ_WRITE = ("coaching:read", "coaching:write")


def test_the_pair_talks_and_sets_goals_through_the_api(web, db, settings, world: World) -> None:
    made = pair(db, settings, world, world.coach, world.ana)
    coach = token_for(db, world.coach, *READ_WRITE)
    ana = token_for(db, world.ana, *READ_WRITE)
    client = web.client

    listed = items(client.get("/api/v1/mentorships", headers=ana))
    assert [(m["id"], m["my_role"], m["coach"]["display_name"]) for m in listed] == [
        (str(made.id), "teacher", "Casey Coach")
    ]
    base = f"/api/v1/mentorships/{made.id}"
    sent = client.post(f"{base}/messages", headers=coach, json={"body": "Hello *Ana*"})
    assert sent.status_code == 201, sent.text
    assert sent.json()["body_html"] == "<p>Hello <em>Ana</em></p>\n"
    note = client.post(f"{base}/messages", headers=coach, json={"body": "private", "private": True})
    assert note.status_code == 201
    assert [m["body"] for m in items(client.get(f"{base}/messages", headers=coach))] == [
        "Hello *Ana*",
        "private",
    ]
    assert [m["body"] for m in items(client.get(f"{base}/messages", headers=ana))] == [
        "Hello *Ana*"
    ]
    refused = client.post(f"{base}/messages", headers=ana, json={"body": "x", "private": True})
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"

    goal = client.post(
        f"{base}/goals", headers=ana, json={"title": "Exit tickets", "due_on": "2027-02-01"}
    )
    assert goal.status_code == 201, goal.text
    assert goal.json()["status"] == "open"
    done = client.patch(
        f"{base}/goals/{goal.json()['id']}", headers=coach, json={"status": "achieved"}
    )
    assert done.status_code == 200
    assert done.json()["closed_at"] is not None
    assert [g["status"] for g in items(client.get(f"{base}/goals", headers=ana))] == ["achieved"]


def test_scopes_and_strangers_are_refused(web, db, settings, world: World) -> None:
    made = pair(db, settings, world, world.coach, world.ana)
    client = web.client
    base = f"/api/v1/mentorships/{made.id}"
    read_only = token_for(db, world.ana, "coaching:read")
    assert (
        client.post(f"{base}/messages", headers=read_only, json={"body": "hi"}).status_code == 403
    )
    no_scope = token_for(db, world.ana, "account:read")
    assert client.get("/api/v1/mentorships", headers=no_scope).status_code == 403
    assert client.get("/api/v1/mentorships").status_code == 401
    for stranger in (world.ben, world.coach2, world.other_admin, world.admin):
        headers = token_for(db, stranger, *READ_WRITE)
        assert items(client.get("/api/v1/mentorships", headers=headers)) == []
        assert client.get(f"{base}/messages", headers=headers).status_code == 404
        assert client.get(f"{base}/goals", headers=headers).status_code == 404
        posted = client.post(f"{base}/goals", headers=headers, json={"title": "mine"})
        assert posted.status_code == 404
    assert db.query(CoachingGoal).count() == 0
    ana = token_for(db, world.ana, *READ_WRITE)
    assert client.get(f"/api/v1/mentorships/{uuid.uuid4()}/goals", headers=ana).status_code == 404
    blank = client.post(f"{base}/messages", headers=ana, json={"body": "   "})
    assert blank.status_code == 422
    bad_status = client.patch(f"{base}/goals/{uuid.uuid4()}", headers=ana, json={"status": "won"})
    assert bad_status.status_code == 422


def test_the_coach_walks_mentorships_goals_and_messages_one_by_one(
    web, db, settings, world: World
) -> None:
    ended = pair(db, settings, world, world.coach, world.ben)
    coaching.end(db, world.org, world.admin, ended.id)
    active = [pair(db, settings, world, world.coach, t) for t in (world.ana, world.cleo)]
    for n in range(4):
        coaching_goals.add_goal(db, settings, active[0], world.coach, title=f"Goal {n}")
        coaching_messages.post_message(db, settings, active[0], world.coach, f"Message {n}")
    db.flush()
    goals = coaching_goals.goals(db, active[0])
    coaching_goals.set_goal_status(db, active[0], goals[0].id, GoalStatus.ACHIEVED)
    db.commit()
    coach = token_for(db, world.coach, "coaching:read")
    base = f"/api/v1/mentorships/{active[0].id}"

    mentorships = walk(web.client, "/api/v1/mentorships", coach, limit=1)
    walked_goals = every(web.client, f"{base}/goals", coach, limit=1)
    messages = every(web.client, f"{base}/messages", coach, limit=3)

    assert [len(page) for page in mentorships] == [1, 1, 1]
    assert [m[0]["teacher"]["display_name"] for m in mentorships][-1] == "Ben Brown"  # ended
    assert [g["title"] for g in walked_goals] == ["Goal 1", "Goal 2", "Goal 3", "Goal 0"]
    assert [m["body"] for m in messages] == [f"Message {n}" for n in range(4)]


def test_coaching_is_in_the_openapi_document(web) -> None:
    schema = web.client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/mentorships/{mentorship_id}/messages"]["post"]
    assert {"401", "403", "404", "409", "422"} <= set(operation["responses"])
    assert "/api/v1/mentorships/{mentorship_id}/goals/{goal_id}" in schema["paths"]
