"""The communities JSON API: scopes, membership rules and the shapes in the OpenAPI document."""

from __future__ import annotations

from sqlalchemy import select

from app.models import CommunityMember, Post
from tests.api_pages import items
from tests.communities.conftest import World, count, login
from tests.identity.test_api_tokens import bearer, create_token
from tests.support import WebClient


def test_member_reads_and_writes_through_the_api(web: WebClient, db, world: World) -> None:
    db.add(CommunityMember(community_id=world.open.id, user_id=world.ana.id))
    db.commit()
    login(web, "ana@school.org")
    token = bearer(create_token(web, ["communities:read", "communities:write", "account:read"]))
    web.client.cookies.clear()
    listed = web.get("/api/v1/orgs/riverbend/communities", headers=token)
    assert listed.status_code == 200
    by_slug = {c["slug"]: c for c in items(listed)}
    assert by_slug["math"]["my_status"] == "active"
    assert by_slug["coaches"]["my_status"] is None

    created = web.client.post(
        f"/api/v1/communities/{world.open.id}/threads",
        json={"title": "From a script", "body": "<script>x</script> **hi**"},
        headers=token,
    )
    assert created.status_code == 201, created.text
    thread_id = created.json()["id"]
    replied = web.client.post(
        f"/api/v1/communities/{world.open.id}/threads/{thread_id}/posts",
        json={"body": "A reply"},
        headers=token,
    )
    assert replied.status_code == 201
    shown = web.get(f"/api/v1/communities/{world.open.id}/threads/{thread_id}", headers=token)
    posts = shown.json()["posts"]
    assert [p["body"] for p in posts] == ["<script>x</script> **hi**", "A reply"]
    assert "<script>" not in posts[0]["body_html"]
    threads = items(web.get(f"/api/v1/communities/{world.open.id}/threads", headers=token))
    assert threads[0]["reply_count"] == 1
    assert items(web.get("/api/v1/notifications", headers=token)) == []


def test_api_refuses_what_the_pages_refuse(web: WebClient, db, world: World) -> None:
    login(web, "ana@school.org")
    read_only = bearer(create_token(web, ["communities:read"]))
    writer = bearer(create_token(web, ["communities:write", "communities:read"], name="w"))
    web.client.cookies.clear()
    no_scope = web.client.post(
        f"/api/v1/communities/{world.open.id}/threads",
        json={"title": "T", "body": "B"},
        headers=read_only,
    )
    assert no_scope.status_code == 403
    not_member = web.client.post(
        f"/api/v1/communities/{world.open.id}/threads",
        json={"title": "T", "body": "B"},
        headers=writer,
    )
    assert not_member.status_code == 403
    assert not_member.json() == {
        "error": "forbidden",
        "detail": "Join this community to post in it.",
    }
    private = web.get(f"/api/v1/communities/{world.private.id}/threads", headers=writer)
    assert private.status_code == 404
    assert count(db, Post) == 0
    db.expire_all()
    assert db.scalar(select(CommunityMember).where(CommunityMember.user_id == world.ana.id)) is None


def test_outsiders_get_not_found(web: WebClient, world: World) -> None:
    login(web, "out@elsewhere.org")
    token = bearer(create_token(web, ["communities:read"]))
    web.client.cookies.clear()
    assert web.get(f"/api/v1/communities/{world.open.id}/threads", headers=token).status_code == 404
    assert web.get("/api/v1/orgs/riverbend/communities", headers=token).status_code == 403
