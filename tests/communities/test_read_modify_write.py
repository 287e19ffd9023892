"""Community actions that read a counter or a state and then write it, done at the same moment on
real separate connections: no increment is lost and no state is overwritten by a stale read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.errors import AppError, Conflict
from app.models import (
    AuditEvent,
    Community,
    CommunityMember,
    JoinPolicy,
    MemberRole,
    MemberStatus,
    Post,
    PostStatus,
    Reaction,
    Resource,
    ResourceVote,
    Role,
    Thread,
    User,
)
from app.services.communities import membership as communities
from app.services.communities import moderation, posts, resources, threads
from app.services.orgs import organizations
from app.settings import Settings
from tests.race_support import after_other_commits, all_at_once, while_other_holds
from tests.support import make_user

PEOPLE = 12


@dataclass(frozen=True)
class Race:
    community: uuid.UUID
    coach: uuid.UUID
    people: list[uuid.UUID]


@pytest.fixture
def race(fresh_engine: Engine) -> Race:
    """An organization with a coach who facilitates an open community, and 12 teachers."""
    with Session(fresh_engine, expire_on_commit=False) as db:
        org = organizations.create_organization(db, None, slug="race", name="Race District")
        db.commit()
        coach = make_user(db, "coach@race.org", org=org, role=Role.COACH)
        community = communities.create_community(db, org, coach, slug="math", name="Math")
        people = [make_user(db, f"t{i}@race.org", org=org) for i in range(PEOPLE)]
        db.commit()
        return Race(community.id, coach.id, [p.id for p in people])


def ctx_for(db: Session, race: Race, user_id: uuid.UUID) -> communities.CommunityAccess:
    """The community as this person sees it (read at the start of their request)."""
    return communities.access_by_id(db, race.community, db.get_one(User, user_id))


def _join_all(engine: Engine, race: Race, people: list[uuid.UUID]) -> None:
    with Session(engine) as db:
        for person in people:
            db.add(CommunityMember(community_id=race.community, user_id=person))
        db.commit()


def _member_count(engine: Engine, race: Race) -> tuple[int, int]:
    """The counter and the active members it should count."""
    with Session(engine) as db:
        rows = db.scalar(
            select(func.count()).where(
                CommunityMember.community_id == race.community,
                CommunityMember.status == MemberStatus.ACTIVE,
            )
        )
        return db.get_one(Community, race.community).member_count, rows or 0


def _refused(result: Any) -> bool:
    return isinstance(result, AppError) and result.status_code == 409


def test_people_joining_at_once_are_all_counted(fresh_engine: Engine, race: Race) -> None:
    steps = [
        (lambda db, p=person: ctx_for(db, race, p), lambda db, ctx: communities.join(db, ctx))
        for person in race.people
    ]

    results = all_at_once(fresh_engine, steps)

    assert [type(r) for r in results] == [CommunityMember] * PEOPLE
    assert _member_count(fresh_engine, race) == (PEOPLE + 1, PEOPLE + 1)


def test_people_leaving_at_once_are_all_counted(fresh_engine: Engine, race: Race) -> None:
    _join_all(fresh_engine, race, race.people)
    with Session(fresh_engine) as db:
        db.get_one(Community, race.community).member_count = PEOPLE + 1
        db.commit()
    steps = [
        (lambda db, p=person: ctx_for(db, race, p), lambda db, ctx: communities.leave(db, ctx))
        for person in race.people
    ]

    results = all_at_once(fresh_engine, steps)

    assert results == [None] * PEOPLE
    assert _member_count(fresh_engine, race) == (1, 1)


def test_two_moderators_approving_one_request_count_it_once(
    fresh_engine: Engine, race: Race
) -> None:
    with Session(fresh_engine) as db:
        db.get_one(Community, race.community).join_policy = JoinPolicy.REQUEST
        request = CommunityMember(
            community_id=race.community, user_id=race.people[0], status=MemberStatus.PENDING
        )
        second_facilitator = CommunityMember(
            community_id=race.community, user_id=race.people[1], role=MemberRole.FACILITATOR
        )
        db.add_all([request, second_facilitator])
        db.get_one(Community, race.community).member_count = 2
        db.commit()
        request_id = request.id

    def approve(db: Session, ctx: communities.CommunityAccess) -> CommunityMember:
        return communities.set_member_status(db, ctx, request_id, "approve")

    def opened(db: Session) -> tuple[communities.CommunityAccess, CommunityMember]:
        # the request as read at the start of the request, held until the write
        return ctx_for(db, race, race.coach), db.get_one(CommunityMember, request_id)

    late = after_other_commits(
        fresh_engine,
        opened,
        lambda db, read: approve(db, read[0]),
        lambda db, _: approve(db, ctx_for(db, race, race.people[1])),
    )

    assert _refused(late)
    assert _member_count(fresh_engine, race) == (3, 3)
    with Session(fresh_engine) as db:
        approvals = db.scalar(
            select(func.count()).where(AuditEvent.action == "community.member_approve")
        )
    assert approvals == 1


def test_the_last_two_facilitators_cannot_both_leave(fresh_engine: Engine, race: Race) -> None:
    with Session(fresh_engine) as db:
        db.add(
            CommunityMember(
                community_id=race.community, user_id=race.people[0], role=MemberRole.FACILITATOR
            )
        )
        db.commit()

    late = while_other_holds(
        fresh_engine,
        lambda db, _: communities.leave(db, ctx_for(db, race, race.coach)),
        lambda db: ctx_for(db, race, race.people[0]),
        lambda db, ctx: communities.leave(db, ctx),
    )

    assert _refused(late)
    assert "needs a facilitator" in late.detail
    with Session(fresh_engine) as db:
        left = db.scalars(
            select(CommunityMember).where(CommunityMember.community_id == race.community)
        ).all()
    assert [(m.user_id, m.role) for m in left] == [(race.people[0], MemberRole.FACILITATOR)]


def _resource(engine: Engine, race: Race) -> uuid.UUID:
    _join_all(engine, race, race.people)
    with Session(engine) as db:
        resource = Resource(community_id=race.community, author_id=race.coach, title="Plan")
        db.add(resource)
        db.commit()
        return resource.id


def test_upvotes_at_once_are_all_counted(fresh_engine: Engine, race: Race) -> None:
    resource_id = _resource(fresh_engine, race)
    steps = [
        (
            lambda db, p=person: ctx_for(db, race, p),
            lambda db, ctx: resources.toggle_vote(db, ctx, resource_id),
        )
        for person in race.people
    ]

    results = all_at_once(fresh_engine, steps)

    assert results == [True] * PEOPLE
    with Session(fresh_engine) as db:
        assert db.get_one(Resource, resource_id).upvotes == PEOPLE
        assert db.scalar(select(func.count()).select_from(ResourceVote)) == PEOPLE


def test_a_double_clicked_upvote_and_reaction_count_once(
    fresh_engine: Engine, race: Race, settings: Settings
) -> None:
    resource_id = _resource(fresh_engine, race)
    with Session(fresh_engine) as db:
        ctx = ctx_for(db, race, race.coach)
        thread = threads.create_thread(db, settings, ctx, title="T", body="B")
        db.commit()
        post_id = db.scalars(select(Post.id).where(Post.thread_id == thread.id)).one()
    person = race.people[0]
    vote = (
        lambda db: ctx_for(db, race, person),
        lambda db, ctx: resources.toggle_vote(db, ctx, resource_id),
    )
    react = (
        lambda db: ctx_for(db, race, person),
        lambda db, ctx: posts.toggle_reaction(db, ctx, post_id, "thanks"),
    )

    votes = while_other_holds(fresh_engine, lambda db, _: vote[1](db, vote[0](db)), *vote)
    reactions = while_other_holds(fresh_engine, lambda db, _: react[1](db, react[0](db)), *react)

    if fresh_engine.dialect.name == "postgresql":
        assert (votes, reactions) == (True, True)  # not a 500: the other click added them
    # SQLite runs the second click after the first (a toggle back): counters still match rows
    with Session(fresh_engine) as db:
        voted = db.scalar(select(func.count()).select_from(ResourceVote))
        assert db.get_one(Resource, resource_id).upvotes == voted == (1 if votes else 0)
        reacted = db.scalar(select(func.count()).where(Reaction.post_id == post_id))
        assert reacted == (1 if reactions else 0)


def _post(engine: Engine, race: Race, settings: Settings, status: PostStatus) -> uuid.UUID:
    _join_all(engine, race, race.people[:1])
    with Session(engine) as db:
        ctx = ctx_for(db, race, race.people[0])
        thread = threads.create_thread(db, settings, ctx, title="T", body="Opening")
        post = threads.reply(db, settings, ctx, thread.id, body="A reply")
        post.status = status
        db.commit()
        return post.id


def test_a_restore_cannot_undo_a_removal_made_meanwhile(
    fresh_engine: Engine, race: Race, settings: Settings
) -> None:
    post_id = _post(fresh_engine, race, settings, PostStatus.HIDDEN)

    def opened(db: Session) -> tuple[communities.CommunityAccess, Post]:
        ctx = ctx_for(db, race, race.coach)
        return ctx, posts.get_post(db, ctx, post_id)  # read hidden, held until the write

    late = after_other_commits(
        fresh_engine,
        opened,
        lambda db, read: moderation.moderate(db, settings, read[0], post_id, "restore"),
        lambda db, _: moderation.moderate(
            db, settings, ctx_for(db, race, race.coach), post_id, "remove"
        ),
    )

    assert isinstance(late, AppError)  # Conflict, or after SQLite's retry "cannot be restored"
    with Session(fresh_engine) as db:
        assert db.get_one(Post, post_id).status == PostStatus.REMOVED


def test_hiding_cannot_overwrite_the_authors_deletion(
    fresh_engine: Engine, race: Race, settings: Settings
) -> None:
    post_id = _post(fresh_engine, race, settings, PostStatus.VISIBLE)

    def opened(db: Session) -> tuple[communities.CommunityAccess, Post]:
        ctx = ctx_for(db, race, race.coach)
        return ctx, posts.get_post(db, ctx, post_id)  # read visible, held until the write

    late = after_other_commits(
        fresh_engine,
        opened,
        lambda db, read: moderation.moderate(db, settings, read[0], post_id, "hide"),
        lambda db, _: posts.delete_own(db, ctx_for(db, race, race.people[0]), post_id),
    )

    assert isinstance(late, Conflict)
    with Session(fresh_engine) as db:
        assert db.get_one(Post, post_id).status == PostStatus.DELETED


def test_answered_follows_the_helpful_replies_when_marked_at_once(
    fresh_engine: Engine, race: Race, settings: Settings
) -> None:
    _join_all(fresh_engine, race, race.people[:2])
    with Session(fresh_engine) as db:
        ctx = ctx_for(db, race, race.coach)
        thread = threads.create_thread(db, settings, ctx, title="Which rubric?", body="Ideas?")
        first, second = (
            threads.reply(db, settings, ctx_for(db, race, p), thread.id, body="Try this").id
            for p in race.people[:2]
        )
        posts.mark_helpful(db, ctx, first)
        db.commit()
        thread_id = thread.id

    unmarked = while_other_holds(
        fresh_engine,
        lambda db, _: posts.mark_helpful(db, ctx_for(db, race, race.coach), second),
        lambda db: ctx_for(db, race, race.coach),
        lambda db, ctx: posts.mark_helpful(db, ctx, first),
    )

    assert unmarked.helpful is False
    with Session(fresh_engine) as db:
        helpful = db.scalars(select(Post.id).where(Post.helpful.is_(True))).all()
        assert helpful == [second]
        assert db.get_one(Thread, thread_id).answered is True
