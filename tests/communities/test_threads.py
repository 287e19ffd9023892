"""Joining, posting threads and replies, Markdown safety, mentions and notifications."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models import CommunityMember, MemberStatus, Notification, OutboxMessage, Post, Thread
from tests.communities.conftest import BASE, World, count, login
from tests.support import WebClient

HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def join(web: WebClient, email: str, slug: str = "math") -> None:
    login(web, email)
    assert web.post(f"{BASE}/{slug}/join").status_code == 303


def start_thread(web: WebClient, title: str, body: str, slug: str = "math") -> str:
    response = web.post(f"{BASE}/{slug}/threads", {"title": title, "body": body})
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_join_post_reply_mention_and_notify(web: WebClient, web2: WebClient, db, world: World):
    join(web, "ana@school.org")
    page = web.get(f"{BASE}/math")
    assert "Be kind. Cite sources." in page.text
    url = start_thread(web, "Fractions with tiles?", "How do you start? @ben-brown any ideas?")
    assert "Fractions with tiles?" in web.get(url).text
    mention = db.scalar(select(Notification).where(Notification.user_id == world.ben.id))
    assert mention.kind == "mention"
    assert "Ana Alvarez mentioned you" in mention.title
    assert web.last_mail("ben@school.org").subject.startswith("Ana Alvarez mentioned you")

    join(web2, "ben@school.org")
    assert 'Notifications <span class="badge">1' in web2.get("/").text
    reply = web2.post(f"{url}/replies", {"body": "Start with **halves**."})
    assert reply.status_code == 303
    thread_page = web.get(url)
    assert "<strong>halves</strong>" in thread_page.text
    note = db.scalar(
        select(Notification).where(
            Notification.user_id == world.ana.id, Notification.kind == "reply"
        )
    )
    assert note is not None
    assert "Ben Brown replied" in note.title
    thread = db.scalar(select(Thread))
    assert thread.reply_count == 1


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<iframe src="https://evil.example"></iframe>',
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<a href="#" onclick="alert(1)">x</a>',
    ],
)
def test_hostile_markdown_is_neutralised(web: WebClient, db, world: World, payload: str) -> None:
    join(web, "ana@school.org")
    url = start_thread(web, "Payload", payload)
    html = web.get(url).text.split("<main", 1)[1]
    for tag in ("<script", "<iframe", "<img"):
        assert tag not in html
    assert not HANDLER.search(html)
    assert 'href="javascript:' not in html
    assert 'href="data:' not in html
    post = db.scalar(select(Post))
    assert post.body == payload  # nothing lost: the source is kept as written


def test_links_get_rel_nofollow_ugc_noopener(web: WebClient, world: World) -> None:
    join(web, "ana@school.org")
    url = start_thread(web, "Links", "See [the guide](https://example.org/guide).")
    assert 'href="https://example.org/guide" rel="nofollow ugc noopener"' in web.get(url).text


def test_bad_posts_are_refused_with_a_clear_message(web: WebClient, db, world: World) -> None:
    join(web, "ana@school.org")
    empty = web.post(f"{BASE}/math/threads", {"title": "", "body": "x"})
    assert empty.status_code == 422
    assert "Give the thread a title" in empty.text
    long = web.post(f"{BASE}/math/threads", {"title": "Long", "body": "x" * 20_001})
    assert long.status_code == 422
    assert "at most 20,000 characters" in long.text
    assert count(db, Thread) == 0
    assert count(db, Post) == 0


def test_non_members_and_suspended_members_cannot_post(
    web: WebClient, web2: WebClient, db, world: World
) -> None:
    login(web, "ana@school.org")
    refused = web.post(f"{BASE}/math/threads", {"title": "Hi", "body": "Hello"})
    assert refused.status_code == 403
    assert "Join this community" in refused.text
    join(web, "ana@school.org")
    member = db.scalar(select(CommunityMember).where(CommunityMember.user_id == world.ana.id))
    login(web2, "coach@school.org")
    suspend = web2.post(f"{BASE}/math/members/{member.id}", {"action": "suspend"})
    assert suspend.status_code == 303
    db.expire_all()
    assert db.get(CommunityMember, member.id).status == MemberStatus.SUSPENDED
    blocked = web.post(f"{BASE}/math/threads", {"title": "Hi", "body": "Hello"})
    assert blocked.status_code == 403
    assert "suspended" in blocked.text
    assert count(db, Thread) == 0


def test_locked_threads_refuse_replies(web: WebClient, web2: WebClient, db, world: World) -> None:
    join(web, "ana@school.org")
    url = start_thread(web, "Question", "Body")
    login(web2, "coach@school.org")
    assert web2.post(f"{url}/lock", {"value": "1"}).status_code == 303
    refused = web.post(f"{url}/replies", {"body": "late"})
    assert refused.status_code == 403
    assert "locked" in refused.text
    assert count(db, Post) == 1


def test_editing_keeps_history_and_only_the_author_may_edit(
    web: WebClient, web2: WebClient, db, world: World
) -> None:
    join(web, "ana@school.org")
    start_thread(web, "Question", "First words")
    post = db.scalar(select(Post))
    edit_url = f"{BASE}/math/posts/{post.id}/edit"
    assert web.post(edit_url, {"body": "Better words"}).status_code == 303
    history = web.get(f"{BASE}/math/posts/{post.id}/history").text
    assert "First words" in history
    assert "Better words" in history
    join(web2, "ben@school.org")
    refused = web2.post(edit_url, {"body": "Hijacked"})
    assert refused.status_code == 403
    db.expire_all()
    assert db.get(Post, post.id).body == "Better words"
    assert web2.post(f"{BASE}/math/posts/{post.id}/delete").status_code == 403
    assert web.post(f"{BASE}/math/posts/{post.id}/delete").status_code == 303
    db.expire_all()
    assert db.get(Post, post.id).status.value == "deleted"
    assert "The author deleted this post." in web2.get(f"{BASE}/math/threads/{post.thread_id}").text


def test_helpful_answer_by_author_only(web: WebClient, web2: WebClient, db, world: World) -> None:
    join(web, "ana@school.org")
    url = start_thread(web, "Question", "Body")
    join(web2, "ben@school.org")
    web2.post(f"{url}/replies", {"body": "Answer"})
    answer = db.scalar(select(Post).where(Post.is_opening.is_(False)))
    assert web2.post(f"{BASE}/math/posts/{answer.id}/helpful").status_code == 403
    assert web.post(f"{BASE}/math/posts/{answer.id}/helpful").status_code == 303
    assert "Helpful answer" in web.get(url).text
    db.expire_all()
    assert db.get(Thread, answer.thread_id).answered
    assert web2.post(f"{BASE}/math/posts/{answer.id}/react", {"kind": "thanks"}).status_code == 303
    assert web2.post(f"{BASE}/math/posts/{answer.id}/react", {"kind": "boo"}).status_code == 422


def test_new_accounts_are_rate_limited(web: WebClient, db, world: World, settings) -> None:
    settings.community_new_account_posts_per_hour = 2
    join(web, "ana@school.org")
    url = start_thread(web, "One", "1")
    assert web.post(f"{url}/replies", {"body": "2"}).status_code == 303
    third = web.post(f"{url}/replies", {"body": "3"})
    assert third.status_code == 429
    assert "New accounts can post 2 times an hour" in third.text
    assert count(db, Post) == 2


def test_notifications_page_mark_read_and_preferences(
    web: WebClient, web2: WebClient, db, world: World
) -> None:
    join(web, "ana@school.org")
    web.get("/account/notifications")
    assert web.post("/account/notifications", {"digest_frequency": "daily"}).status_code == 303
    join(web2, "ben@school.org")
    url = start_thread(web2, "Hello", "Hi @ana-alvarez")
    assert count(db, OutboxMessage) == 0  # Ana turned every e-mail off
    page = web.get("/notifications")
    assert "Ben Brown mentioned you in" in page.text
    note = db.scalar(select(Notification).where(Notification.user_id == world.ana.id))
    opened = web.post(f"/notifications/{note.id}/read")
    assert opened.status_code == 303
    assert opened.headers["location"].startswith(url)
    db.expire_all()
    assert db.get(Notification, note.id).read_at is not None
    assert web2.post(f"/notifications/{note.id}/read").status_code == 404
    assert web.post("/notifications/read-all").status_code == 303
