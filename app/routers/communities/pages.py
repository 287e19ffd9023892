"""Pages: the communities of an organization, one community, joining, members and search."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.errors import Invalid
from app.kit import links
from app.models import Community as CommunityModel
from app.models import JoinPolicy
from app.routers.communities.common import Community, base_url
from app.services.communities import membership as communities
from app.services.communities import search as community_search
from app.services.communities import threads
from app.services.communities.membership import CommunityAccess
from app.services.communities.permissions import can_create_community
from app.web import forms
from app.web.access import AppSettings, Coach, Db, Member, verify_csrf
from app.web.common import Text, TransactionalRoute, redirect, render

MEMBER_DONE = {
    "approve": "is now a member",
    "suspend": "is suspended from this community",
    "reinstate": "can post again",
    "facilitator": "is now a facilitator",
}
router = APIRouter(
    prefix="/orgs/{slug}/communities",
    route_class=TransactionalRoute,
    dependencies=[Depends(verify_csrf)],
)


def _directory(
    request: Request, db: Db, org: Member, status: int = 200, **extra: object
) -> Response:
    return render(
        request,
        "communities/list.html",
        status,
        org=org.org,
        rows=communities.list_for(db, org.user, org.org),
        can_create=can_create_community(org.user, org.org.id),
        attachments=communities.attachment_choices(db, org.org),
        policies=list(JoinPolicy),
        **extra,
    )


@router.get(
    links.COMMUNITIES.under(router.prefix),
    name=links.COMMUNITIES.name,
    response_class=HTMLResponse,
)
def directory(request: Request, db: Db, org: Member) -> Response:
    """Every community of the organization, with the viewer's membership."""
    return _directory(request, db, org)


@router.post("", response_class=HTMLResponse)
def create(
    request: Request,
    db: Db,
    org: Coach,
    short_name: Annotated[str, Form(alias="slug")] = "",
    name: Text = "",
    description: Text = "",
    guidelines: Text = "",
    join_policy: Text = "open",
    topic: Text = "",
    grade_band: Text = "",
    region: Text = "",
    attached: Text = "",
) -> Response:
    """Create a community (coaches and administrators), optionally for a module or badge."""
    values = {
        "slug": short_name, "name": name, "description": description, "guidelines": guidelines,
        "join_policy": join_policy, "topic": topic, "grade_band": grade_band, "region": region,
        "attached": attached,
    }  # fmt: skip

    def create_community() -> CommunityModel:
        if join_policy not in {p.value for p in JoinPolicy}:
            raise Invalid("Choose open or by request.", field="join_policy")
        kind, ref = communities.parse_attachment(db, org.org, attached)
        return communities.create_community(
            db, org.org, org.user, slug=short_name, name=name, description=description,
            guidelines=guidelines, join_policy=JoinPolicy(join_policy), topic=topic,
            grade_band=grade_band, region=region, attached_kind=kind, attached_ref=ref,
        )  # fmt: skip

    return forms.submit(
        create_community,
        done=lambda community: redirect(
            request,
            communities.community_url(community),
            f"{community.name} is ready. You are its facilitator.",
        ),
        page=partial(_directory, request, db, org),
        values=values,
    )


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, db: Db, org: Member, q: str = "") -> Response:
    """Search threads, replies and resources in the communities the viewer may read."""
    readable = community_search.readable_communities(db, org.user, org.org)
    hits = community_search.search(db, readable, q[:200]) if q.strip() else []
    names = {c.id.hex: c for c in readable}
    return render(request, "communities/search.html", org=org.org, q=q, hits=hits, names=names)


def community_page(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: CommunityAccess,
    page: int = 1,
    status: int = 200,
    **extra: object,
) -> Response:
    rows, current = threads.list_threads(db, settings, ctx, page) if ctx.can_read else ([], None)
    return render(
        request,
        "communities/show.html",
        status,
        ctx=ctx,
        community=ctx.community,
        org=ctx.community.organization,
        threads=rows,
        page=current,
        base=base_url(ctx),
        my_handle=threads.handle_for(ctx.user),
        **extra,
    )


@router.get(
    links.COMMUNITY.under(router.prefix), name=links.COMMUNITY.name, response_class=HTMLResponse
)
def show(
    request: Request, db: Db, settings: AppSettings, ctx: Community, page: int = 1
) -> Response:
    """A community: guidelines, threads (for those who may read them) and the new-thread form."""
    return community_page(request, db, settings, ctx, page)


@router.post("/{community}/join", response_class=HTMLResponse)
def join(request: Request, db: Db, ctx: Community) -> Response:
    """Join an open community, or ask to join one by request."""
    member = communities.join(db, ctx)
    if member.status.value == "pending":
        message = "Your request was sent to the facilitators."
    elif ctx.community.guidelines.strip():
        message = f"Welcome to {ctx.community.name}. Please read the guidelines below."
    else:
        message = f"Welcome to {ctx.community.name}."
    return redirect(request, base_url(ctx), message)


@router.post("/{community}/leave", response_class=HTMLResponse)
def leave(request: Request, db: Db, ctx: Community) -> Response:
    """Leave the community (or withdraw a request)."""
    communities.leave(db, ctx)
    return redirect(request, base_url(ctx), f"You left {ctx.community.name}.")


@router.post("/{community}/mute", response_class=HTMLResponse)
def mute(request: Request, ctx: Community, muted: Text = "") -> Response:
    """Mute or unmute the community (digest and reply notifications)."""
    communities.set_muted(ctx, muted == "1")
    message = "Muted: no digest or reply notices from here." if muted == "1" else "Unmuted."
    return redirect(request, base_url(ctx), message)


@router.get("/{community}/members", response_class=HTMLResponse)
def members(request: Request, db: Db, ctx: Community) -> Response:
    """Members and requests to join (facilitators and administrators)."""
    return _members_page(request, db, ctx)


def _members_page(
    request: Request, db: Db, ctx: CommunityAccess, status: int = 200, **extra: object
) -> Response:
    rows = communities.members(db, ctx)
    return render(
        request,
        "communities/members.html",
        status,
        ctx=ctx,
        community=ctx.community,
        org=ctx.community.organization,
        members=rows,
        changeable=communities.changeable(ctx, rows),
        base=base_url(ctx),
        **extra,
    )


@router.post("/{community}/members/{member_id}", response_class=HTMLResponse)
def member_action(
    request: Request, db: Db, ctx: Community, member_id: uuid.UUID, action: Text = ""
) -> Response:
    """Approve, suspend, reinstate or make a facilitator."""
    return forms.submit(
        lambda: communities.set_member_status(db, ctx, member_id, action),
        done=lambda member: redirect(
            request,
            f"{base_url(ctx)}/members",
            f"{member.user.display_name} {MEMBER_DONE[action]}.",
        ),
        page=partial(_members_page, request, db, ctx),
        values={},
    )
