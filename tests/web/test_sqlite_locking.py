"""SQLite's single writer in ordinary sequential use, on a real file database with real separate
connections: a request that reads and then writes takes the write lock up front, mail is sent in
short transactions of its own, a token's "last used" time never turns a read into a write, and the
"busy" page renders even when the signed-in user was detached and expired by a rollback."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest
from fastapi import APIRouter, Response
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from app.db import make_session_factory, utcnow
from app.kit import mail
from app.main import create_app
from app.models import (
    AccessToken,
    CoachingGoal,
    CoachingMessage,
    Organization,
    OutboxMessage,
    OutboxStatus,
    Role,
    User,
)
from app.services.identity import access_tokens
from app.services.mentorship import pairs as coaching
from app.settings import Settings
from app.web.access import CurrentUser, Db
from app.web.common import TransactionalRoute
from tests.live_server import LiveServer
from tests.support import ConsoleInbox, WebClient, make_org, make_user

ROUNDS = 30


def mail_worker(engine: Engine, settings: Settings, stop: threading.Event) -> threading.Thread:
    """Drains the outbox on its own connections until stopped, as `laurel worker` does."""
    sessions = make_session_factory(engine)

    def run() -> None:
        while not stop.is_set():
            mail.drain_outbox(sessions, settings)
            stop.wait(0.005)

    return threading.Thread(target=run, daemon=True)


@pytest.mark.slow
def test_coach_posts_a_message_then_a_goal_thirty_times_while_mail_is_sent(
    fresh_engine: Engine, settings: Settings, inbox: ConsoleInbox
) -> None:
    with Session(fresh_engine, expire_on_commit=False) as db:
        org = make_org(db)
        admin = make_user(db, "admin@school.org", org=org, role=Role.ADMIN)
        coach = make_user(db, "coach@school.org", org=org, role=Role.COACH)
        teacher = make_user(db, "ana@school.org", org=org)
        pair = coaching.assign(db, settings, org, admin, coach_id=coach.id, teacher_id=teacher.id)
        db.commit()
        app = create_app(settings, engine=fresh_engine)
        stop = threading.Event()
        worker = mail_worker(fresh_engine, settings, stop)
        statuses = []
        with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
            web = WebClient(client, settings, db, inbox)
            web.sign_in("coach@school.org")
            worker.start()
            url = f"/coaching/{pair.id}"
            for n in range(ROUNDS):
                statuses.append(web.post(f"{url}/messages", {"body": f"Note {n}"}).status_code)
                statuses.append(web.post(f"{url}/goals", {"title": f"Goal {n}"}).status_code)
            stop.set()
            worker.join(timeout=30)
        assert statuses == [303] * (2 * ROUNDS)
        messages = select(func.count()).where(CoachingMessage.mentorship_id == pair.id)
        goals = select(func.count()).where(CoachingGoal.mentorship_id == pair.id)
        assert db.scalar(messages.select_from(CoachingMessage)) == ROUNDS
        assert db.scalar(goals.select_from(CoachingGoal)) == ROUNDS
        mail.drain_outbox(make_session_factory(fresh_engine), settings)
        outbox = db.scalars(select(OutboxMessage.status)).all()
        assert len(outbox) >= ROUNDS  # the teacher hears of each message and goal
        assert set(outbox) == {OutboxStatus.SENT}


def test_a_verify_token_unused_for_five_minutes_still_verifies(
    fresh_engine: Engine, settings: Settings
) -> None:
    with Session(fresh_engine, expire_on_commit=False) as db:
        user = make_user(db, "hr@employer.org")
        token, raw = access_tokens.create_token(
            db, user, name="hr", scopes=["verify"], expires_in_days=1
        )
        six_minutes_ago = utcnow() - timedelta(minutes=6)
        token.last_used_at = six_minutes_ago
        db.commit()
    app = create_app(settings, engine=fresh_engine)
    with TestClient(app) as client:
        answer = client.post(
            "/api/v1/verify",
            json={"credential": "not a credential"},
            headers={"Authorization": f"Bearer {raw}"},
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["valid"] is False
    with Session(fresh_engine) as db:
        last_used = db.scalar(select(AccessToken.last_used_at).where(AccessToken.id == token.id))
    assert last_used is not None
    assert last_used > six_minutes_ago + timedelta(minutes=5)


def test_busy_page_renders_for_a_user_detached_and_expired_by_the_rollback(
    fresh_engine: Engine, settings: Settings, inbox: ConsoleInbox
) -> None:
    """A reading request (GET: no write lock taken) whose late write finds that another
    connection committed in between fails with "database is locked" on SQLite; that rollback
    expires and detaches the signed-in user the busy page shows."""
    with Session(fresh_engine, expire_on_commit=False) as db:
        org = make_org(db)
        make_user(db, "coach@school.org", org=org, role=Role.COACH, name="Casey Coach")
    app = create_app(settings, engine=fresh_engine)
    late_writes = APIRouter(route_class=TransactionalRoute)

    @late_writes.get("/late-write")
    def late_write(db: Db, user: CurrentUser) -> Response:
        with Session(fresh_engine) as other:  # e.g. the mail worker commits meanwhile
            other.execute(update(Organization).values(name="Riverbend District"))
            other.commit()
        user.display_name = "Renamed"
        db.flush()
        return Response("written")

    app.include_router(late_writes)
    with TestClient(app) as client:
        web = WebClient(client, settings, Session(fresh_engine), inbox)
        web.sign_in("coach@school.org")
        page = web.get("/late-write")
    if fresh_engine.dialect.name == "postgresql":  # no single writer: the write just happens
        assert page.status_code == 200
        return
    assert page.status_code == 503, page.text
    assert page.headers["Retry-After"] == "1"
    assert "Laurel is busy" in page.text
    assert "Sign out" in page.text
    assert 'href="/review"' in page.text
    with Session(fresh_engine) as db:
        assert db.scalar(select(User.display_name)) == "Casey Coach"
