"""JSON API: communities, threads and posts (tokens with communities:read / communities:write)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.models import User
from app.routers.communities.schemas import (
    CommunityRead,
    PostCreate,
    PostRead,
    ThreadCreate,
    ThreadRead,
    ThreadWithPosts,
)
from app.services.communities import membership as communities
from app.services.communities import threads
from app.services.orgs import organizations
from app.web.access import ApiToken, AppSettings, Db
from app.web.api_errors import ERROR_RESPONSES
from app.web.common import TransactionalRoute
from app.web.paging import Page, Paging

router = APIRouter(
    prefix="/api/v1", route_class=TransactionalRoute, tags=["communities"],
    responses=ERROR_RESPONSES,
)  # fmt: skip
Reader = Annotated[User, Depends(ApiToken("communities:read"))]
Writer = Annotated[User, Depends(ApiToken("communities:write"))]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


@router.get("/orgs/{slug}/communities", response_model=Page[CommunityRead])
def list_communities(db: Db, user: Reader, slug: str, paging: Paging) -> Page[CommunityRead]:
    """Communities of an organization the caller belongs to, by name."""
    org = organizations.get_for_member(db, user, slug)
    rows = communities.communities_page(db, user, org, paging)
    return Page[CommunityRead].of(rows, lambda row: CommunityRead.build(*row))


@router.get("/communities/{community_id}/threads", response_model=Page[ThreadRead])
def list_threads(db: Db, user: Reader, community_id: uuid.UUID, paging: Paging) -> Page[ThreadRead]:
    """Threads, pinned first, then most recently active."""
    ctx = communities.access_by_id(db, community_id, user)
    return Page[ThreadRead].of(threads.threads_page(db, ctx, paging), ThreadRead.model_validate)


@router.post("/communities/{community_id}/threads", response_model=ThreadRead, status_code=201)
def create_thread(
    db: Db, settings: AppSettings, user: Writer, community_id: uuid.UUID, body: ThreadCreate
) -> ThreadRead:
    """Start a thread (members of the community)."""
    ctx = communities.access_by_id(db, community_id, user)
    thread = threads.create_thread(db, settings, ctx, title=body.title, body=body.body)
    return ThreadRead.model_validate(thread)


@router.get("/communities/{community_id}/threads/{thread_id}", response_model=ThreadWithPosts)
def thread_posts(
    db: Db,
    settings: AppSettings,
    user: Reader,
    community_id: uuid.UUID,
    thread_id: uuid.UUID,
    page: PageNumber = 1,
) -> ThreadWithPosts:
    """A thread and a page of its posts."""
    ctx = communities.access_by_id(db, community_id, user)
    thread = threads.get_thread(db, ctx, thread_id)
    rows, current = threads.list_posts(db, settings, thread, page, strict=True)
    return ThreadWithPosts(
        thread=ThreadRead.model_validate(thread),
        posts=[PostRead.build(p) for p in rows],
        page=current.number,
        page_count=current.count,
    )


@router.post(
    "/communities/{community_id}/threads/{thread_id}/posts",
    response_model=PostRead,
    status_code=201,
)
def reply(
    db: Db,
    settings: AppSettings,
    user: Writer,
    community_id: uuid.UUID,
    thread_id: uuid.UUID,
    body: PostCreate,
) -> PostRead:
    """Reply to a thread (members; not when it is locked)."""
    ctx = communities.access_by_id(db, community_id, user)
    post = threads.reply(db, settings, ctx, thread_id, body=body.body)
    return PostRead.build(post)
