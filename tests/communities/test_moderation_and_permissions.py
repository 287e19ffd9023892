"""Private communities stay private; moderation powers belong to facilitators and admins."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import (
    AuditEvent,
    CommunityMember,
    MemberStatus,
    Notification,
    Post,
    PostReport,
    PostStatus,
    Role,
    Thread,
)
from app.services.communities import membership as communities
from app.services.communities import moderation, threads
from tests.communities.conftest import BASE, World, count, login
from tests.support import WebClient, make_user


@pytest.fixture
def secret_thread(db, world: World, settings) -> Thread:
    """A thread in the by-request community, started by its facilitator."""
    ctx = communities.access(db, world.org, "coaches", world.coach)
    thread = threads.create_thread(
        db, settings, ctx, title="Confidential calibration", body="Rubric drift in grade 3"
    )
    db.commit()
    return thread


def test_non_members_see_nothing_of_a_private_community(
    web: WebClient, db, world: World, secret_thread: Thread
) -> None:
    login(web, "ana@school.org")
    page = web.get(f"{BASE}/coaches")
    assert page.status_code == 200
    assert "Ask to join" in page.text
    assert "Confidential calibration" not in page.text
    assert web.get(f"{BASE}/coaches/threads/{secret_thread.id}").status_code == 404
    found = web.get(f"{BASE}/search", params={"q": "calibration rubric"})
    assert found.status_code == 200
    assert "Confidential" not in found.text
    assert "0 results" in found.text
    post = db.scalar(select(Post).where(Post.thread_id == secret_thread.id))
    assert web.post(f"{BASE}/coaches/posts/{post.id}/report", {"reason": "x"}).status_code == 404


def test_pending_members_wait_for_approval_then_read(
    web: WebClient, web2: WebClient, db, world: World, secret_thread: Thread
) -> None:
    login(web, "ana@school.org")
    assert web.post(f"{BASE}/coaches/join").status_code == 303
    assert "Confidential calibration" not in web.page(f"{BASE}/coaches")
    member = db.scalar(select(CommunityMember).where(CommunityMember.user_id == world.ana.id))
    assert member.status == MemberStatus.PENDING
    login(web2, "ben@school.org")
    assert (
        web2.post(f"{BASE}/coaches/members/{member.id}", {"action": "approve"}).status_code == 403
    )
    login(web2, "coach@school.org")
    assert (
        web2.post(f"{BASE}/coaches/members/{member.id}", {"action": "approve"}).status_code == 303
    )
    assert "Confidential calibration" in web.get(f"{BASE}/coaches").text
    assert "Confidential" in web.get(f"{BASE}/search", params={"q": "calibration"}).text


def test_outsiders_and_other_organizations_are_kept_out(web: WebClient, world: World) -> None:
    login(web, "out@elsewhere.org")
    assert web.get(BASE).status_code == 403
    assert web.get(f"{BASE}/math").status_code == 403
    assert web.post(f"{BASE}/math/join").status_code == 403


def test_report_queue_hide_restore_and_audit(
    web: WebClient, web2: WebClient, db, world: World
) -> None:
    for user in (world.ana, world.ben):
        db.add(CommunityMember(community_id=world.open.id, user_id=user.id))
    db.commit()
    login(web, "ana@school.org")
    web.post(f"{BASE}/math/threads", {"title": "Rude", "body": "Something unkind"})
    post = db.scalar(select(Post))
    login(web2, "ben@school.org")
    url = f"{BASE}/math/posts/{post.id}/report"
    assert "Report a post" in web2.get(url).text
    empty = web2.post(url, {"reason": " "})
    assert empty.status_code == 422
    assert "Say briefly what is wrong" in empty.text
    assert web2.post(url, {"reason": "Unkind"}).status_code == 303
    twice = web2.post(url, {"reason": "Again"})
    assert twice.status_code == 409
    assert "already reported" in twice.text
    assert count(db, PostReport) == 1
    alert = db.scalar(select(Notification).where(Notification.user_id == world.coach.id))
    assert alert.url == f"{BASE}/math/moderation"
    assert "was reported" in alert.title
    assert web2.get(f"{BASE}/math/moderation").status_code == 403
    assert web2.post(f"{BASE}/math/posts/{post.id}/moderate", {"action": "hide"}).status_code == 403

    login(web2, "coach@school.org")
    queue = web2.get(f"{BASE}/math/moderation")
    assert "Unkind" in queue.text
    hide = web2.post(f"{BASE}/math/posts/{post.id}/moderate", {"action": "hide", "back": "queue"})
    assert hide.status_code == 303
    db.expire_all()
    assert db.get(Post, post.id).status == PostStatus.HIDDEN
    assert db.scalar(select(PostReport)).status.value == "resolved"
    assert "A facilitator hid this post." in web.get(f"{BASE}/math/threads/{post.thread_id}").text
    assert "No open reports" in web2.get(f"{BASE}/math/moderation").text
    note = db.scalar(select(Notification).where(Notification.user_id == world.ana.id))
    assert note.kind == "moderation"
    restore = web2.post(f"{BASE}/math/posts/{post.id}/moderate", {"action": "restore"})
    assert restore.status_code == 303
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {
        "community.post_reported",
        "community.post_hidden",
        "community.post_restored",
    } <= actions


def test_org_admins_moderate_every_community(web: WebClient, db, world: World) -> None:
    make_user(db, "admin@school.org", org=world.org, role=Role.ADMIN)
    login(web, "admin@school.org")
    assert web.get(f"{BASE}/coaches/moderation").status_code == 200
    assert web.get(f"{BASE}/coaches/members").status_code == 200


def test_teachers_cannot_create_communities_and_bad_input_is_refused(
    web: WebClient, db, world: World
) -> None:
    login(web, "ana@school.org")
    refused = web.post(BASE, {"slug": "mine", "name": "Mine", "join_policy": "open"})
    assert refused.status_code == 403
    login(web, "coach@school.org")
    bad = web.post(BASE, {"slug": "Bad Slug!", "name": "X", "join_policy": "open"})
    assert bad.status_code == 422
    assert "lower-case letters" in bad.text
    taken = web.post(BASE, {"slug": "math", "name": "X", "join_policy": "open"})
    assert taken.status_code == 409
    ok = web.post(BASE, {"slug": "science", "name": "Science", "join_policy": "request"})
    assert ok.status_code == 303
    assert ok.headers["location"] == f"{BASE}/science"


def test_last_facilitator_cannot_leave_and_mute_works(web: WebClient, db, world: World) -> None:
    login(web, "coach@school.org")
    refused = web.post(f"{BASE}/math/leave")
    assert refused.status_code == 409
    assert web.post(f"{BASE}/math/mute", {"muted": "1"}).status_code == 303
    db.expire_all()
    member = db.scalar(
        select(CommunityMember).where(
            CommunityMember.user_id == world.coach.id,
            CommunityMember.community_id == world.open.id,
        )
    )
    assert member.muted


@pytest.fixture
def discussion(db, world: World, settings) -> tuple[Thread, Post, Post, Post]:
    """Ana's question, Ben's reply and Ben's second reply, which the facilitator hid."""
    communities.join(db, communities.access(db, world.org, "math", world.ana))
    ana = communities.access(db, world.org, "math", world.ana)
    thread = threads.create_thread(db, settings, ana, title="Exit tickets", body="How short?")
    communities.join(db, communities.access(db, world.org, "math", world.ben))
    ben = communities.access(db, world.org, "math", world.ben)
    answer = threads.reply(db, settings, ben, thread.id, body="Three questions at most")
    rude = threads.reply(db, settings, ben, thread.id, body="Unkind words here")
    coach = communities.access(db, world.org, "math", world.coach)
    moderation.moderate(db, settings, coach, rude.id, "hide")
    db.commit()
    question = db.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_opening))
    return thread, question, answer, rude


def controls_on(web: WebClient, email: str, thread: Thread, *posts: Post) -> list[set[str]]:
    """The post controls ``email`` is offered on the thread page, per post."""
    login(web, email)
    html = web.get(f"{BASE}/math/threads/{thread.id}").text
    kinds = ("react", "helpful", "edit", "delete", "report", "moderate")
    return [{k for k in kinds if f"/posts/{post.id}/{k}" in html} for post in posts]


def test_the_thread_page_offers_each_person_only_their_controls(
    web: WebClient, world: World, discussion: tuple[Thread, Post, Post, Post]
) -> None:
    thread, question, answer, rude = discussion
    everyone = (thread, question, answer, rude)
    assert controls_on(web, "ana@school.org", *everyone) == [
        {"react", "edit", "delete"},
        {"react", "helpful", "report"},
        set(),
    ]
    assert controls_on(web, "ben@school.org", *everyone) == [
        {"react", "report"},
        {"react", "edit", "delete"},
        set(),
    ]
    assert controls_on(web, "cleo@school.org", *everyone) == [{"report"}, {"report"}, set()]
    assert controls_on(web, "coach@school.org", *everyone) == [
        {"react", "report", "moderate"},
        {"react", "helpful", "report", "moderate"},
        {"moderate"},
    ]


def test_only_moderators_see_the_text_of_a_hidden_post(
    web: WebClient, world: World, discussion: tuple[Thread, Post, Post, Post]
) -> None:
    thread = discussion[0]
    login(web, "ana@school.org")
    page = web.get(f"{BASE}/math/threads/{thread.id}").text
    assert "A facilitator hid this post." in page
    assert "Unkind words here" not in page
    login(web, "coach@school.org")
    assert "Unkind words here" in web.get(f"{BASE}/math/threads/{thread.id}").text


def test_the_member_list_offers_facilitators_controls_for_others_only(
    web: WebClient, db, world: World
) -> None:
    communities.join(db, communities.access(db, world.org, "math", world.ana))
    db.commit()
    math = select(CommunityMember).where(CommunityMember.community_id == world.open.id)
    rows = {m.user_id: m.id for m in db.scalars(math)}
    login(web, "coach@school.org")
    page = web.get(f"{BASE}/math/members").text
    assert "Ana Alvarez" in page
    assert f"{BASE}/math/members/{rows[world.ana.id]}" in page
    assert f"{BASE}/math/members/{rows[world.coach.id]}" not in page


def test_dismissing_a_report_closes_it_once_and_audits_the_report(
    web: WebClient, web2: WebClient, db, world: World
) -> None:
    for user in (world.ana, world.ben):
        db.add(CommunityMember(community_id=world.open.id, user_id=user.id))
    db.commit()
    login(web, "ana@school.org")
    web.post(f"{BASE}/math/threads", {"title": "Off topic", "body": "Selling a bike"})
    post = db.scalar(select(Post))
    login(web, "ben@school.org")
    assert web.post(f"{BASE}/math/posts/{post.id}/report", {"reason": "Spam"}).status_code == 303
    report = db.scalar(select(PostReport))
    login(web2, "coach@school.org")
    url = f"{BASE}/math/reports/{report.id}/dismiss"
    assert web2.post(url, {}).status_code == 303
    again = web2.post(url, {})
    assert again.status_code == 409
    assert "That report is not open." in again.text
    db.expire_all()
    assert db.get(PostReport, report.id).status.value == "resolved"
    assert db.get(Post, post.id).status == PostStatus.VISIBLE
    dismissed = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "community.report_dismissed")
    ).all()
    assert [(e.target_type, e.target_id, e.organization_id, e.actor_id) for e in dismissed] == [
        ("community_report", str(report.id), world.org.id, world.coach.id)
    ]
