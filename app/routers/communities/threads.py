"""Pages: threads and posts in a community (post, reply, edit, delete, react, moderate)."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from app.kit import form_nonces, links, numbers
from app.routers.communities.common import Community, base_url
from app.routers.communities.pages import community_page
from app.services.communities import moderation, posts, threads
from app.services.communities.membership import CommunityAccess
from app.web import forms
from app.web.access import AppSettings, Db, verify_csrf
from app.web.common import Text, TransactionalRoute, read_uploads, redirect, render

router = APIRouter(
    prefix="/orgs/{slug}/communities/{community}",
    route_class=TransactionalRoute,
    dependencies=[Depends(verify_csrf)],
)
Files = Annotated[list[UploadFile] | None, File()]


def _thread_url(ctx: CommunityAccess, thread_id: uuid.UUID) -> str:
    return f"{base_url(ctx)}/threads/{thread_id}"


def _thread_page(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: CommunityAccess,
    thread_id: uuid.UUID,
    page: str = "1",
    status: int = 200,
    **extra: object,
) -> Response:
    thread = threads.get_thread(db, ctx, thread_id)
    number = None if page == "last" else _int(page)
    rows, current = threads.list_posts(db, settings, thread, number)
    return render(
        request,
        "communities/thread.html",
        status,
        ctx=ctx,
        community=ctx.community,
        org=ctx.community.organization,
        thread=thread,
        posts=rows,
        controls=posts.controls(ctx, thread, rows),
        page=current,
        base=base_url(ctx),
        reactions=posts.REACTIONS,
        my_handle=threads.handle_for(ctx.user),
        form_nonce=form_nonces.new_nonce(),
        **extra,
    )


MAX_PAGE = 1_000_000


def _int(value: str) -> int:
    return numbers.whole_number(value, MAX_PAGE) or 1


@router.post("/threads", response_class=HTMLResponse)
def new_thread(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: Community,
    title: Text = "",
    body: Text = "",
    files: Files = None,
) -> Response:
    """Start a thread, with optional attachments."""
    return forms.submit(
        lambda: threads.create_thread(
            db, settings, ctx, title=title, body=body, uploads=read_uploads(files)
        ),
        done=lambda thread: redirect(
            request, _thread_url(ctx, thread.id), "Your thread is posted."
        ),
        page=partial(community_page, request, db, settings, ctx, 1),
        values={"title": title, "body": body},
    )


@router.get(
    links.COMMUNITY_THREAD.under(router.prefix),
    name=links.COMMUNITY_THREAD.name,
    response_class=HTMLResponse,
)
def thread_page(
    request: Request, db: Db, settings: AppSettings, ctx: Community, thread_id: uuid.UUID,
    page: str = "1",
) -> Response:  # fmt: skip
    """A thread and a page of its replies."""
    return _thread_page(request, db, settings, ctx, thread_id, page)


@router.get(
    links.COMMUNITY_PERSON.under(router.prefix),
    name=links.COMMUNITY_PERSON.name,
    response_class=HTMLResponse,
)
def person_page(request: Request, db: Db, ctx: Community, user_id: uuid.UUID) -> Response:
    """Someone a post mentions, as this community's readers see them (readers only)."""
    found = threads.person(db, ctx, user_id)
    return render(
        request,
        "communities/person.html",
        ctx=ctx,
        community=ctx.community,
        person=found,
        handle=threads.handle_for(found.user),
        base=base_url(ctx),
    )


@router.post("/threads/{thread_id}/replies", response_class=HTMLResponse)
def add_reply(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: Community,
    thread_id: uuid.UUID,
    body: Text = "",
    files: Files = None,
    form_nonce: Text = "",
) -> Response:
    """Reply to a thread; the same form sent again (a retry) leads to the reply already posted."""
    done = form_nonce and form_nonces.already_done(db, ctx.user, form_nonce)
    if done:
        return redirect(request, done, "Your reply was already posted.")

    def reply() -> str:
        post = threads.reply(db, settings, ctx, thread_id, body=body, uploads=read_uploads(files))
        location = f"{_thread_url(ctx, thread_id)}?page=last#post-{post.id}"
        if form_nonce:
            form_nonces.record(db, ctx.user, form_nonce, location)
        return location

    return forms.submit(
        reply,
        done=lambda location: redirect(request, location, "Your reply is posted."),
        page=partial(_thread_page, request, db, settings, ctx, thread_id, "last"),
        values={"body": body},
    )


@router.post("/threads/{thread_id}/{flag}", response_class=HTMLResponse)
def thread_flag(
    request: Request, db: Db, ctx: Community, thread_id: uuid.UUID, flag: str, value: Text = ""
) -> Response:
    """Pin/unpin (flag ``pin``) or lock/unlock (flag ``lock``) a thread."""
    thread = threads.get_thread(db, ctx, thread_id)
    name = {"pin": "pinned", "lock": "locked"}.get(flag, flag)
    posts.set_flag(db, ctx, thread, name, value == "1")
    state = name if value == "1" else f"no longer {name}"
    return redirect(request, _thread_url(ctx, thread_id), f"The thread is {state}.")


@router.get("/posts/{post_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, db: Db, ctx: Community, post_id: uuid.UUID) -> Response:
    """The form to edit one's own post."""
    post = posts.own_visible_post(db, ctx, post_id)
    return render(
        request, "communities/edit.html", ctx=ctx, post=post, base=base_url(ctx),
        values={"body": post.body},
    )  # fmt: skip


@router.post("/posts/{post_id}/edit", response_class=HTMLResponse)
def edit(
    request: Request, db: Db, settings: AppSettings, ctx: Community, post_id: uuid.UUID,
    body: Text = "",
) -> Response:  # fmt: skip
    """Save an edit (the earlier text is kept in the history)."""
    return forms.submit(
        lambda: posts.edit(db, settings, ctx, post_id, body),
        done=lambda post: redirect(
            request, f"{_thread_url(ctx, post.thread_id)}#post-{post.id}", "Saved."
        ),
        page=partial(_post_form, request, db, ctx, post_id, "communities/edit.html"),
        values={"body": body},
    )


@router.get("/posts/{post_id}/history", response_class=HTMLResponse)
def history(request: Request, db: Db, ctx: Community, post_id: uuid.UUID) -> Response:
    """Earlier versions of a post."""
    post, rows = posts.revisions(db, ctx, post_id)
    return render(
        request, "communities/history.html", ctx=ctx, post=post, revisions=rows,
        base=base_url(ctx),
    )  # fmt: skip


@router.post("/posts/{post_id}/delete", response_class=HTMLResponse)
def delete(request: Request, db: Db, ctx: Community, post_id: uuid.UUID) -> Response:
    """Delete one's own post."""
    post = posts.delete_own(db, ctx, post_id)
    return redirect(request, _thread_url(ctx, post.thread_id), "Your post is deleted.")


@router.post("/posts/{post_id}/react", response_class=HTMLResponse)
def react(
    request: Request, db: Db, ctx: Community, post_id: uuid.UUID, kind: Text = ""
) -> Response:
    """Add or take back a reaction."""
    added = posts.toggle_reaction(db, ctx, post_id, kind)
    post = posts.get_post(db, ctx, post_id)
    message = "Reaction added." if added else "Reaction taken back."
    return redirect(request, f"{_thread_url(ctx, post.thread_id)}#post-{post.id}", message)


@router.post("/posts/{post_id}/helpful", response_class=HTMLResponse)
def helpful(request: Request, db: Db, ctx: Community, post_id: uuid.UUID) -> Response:
    """Mark (or unmark) a reply as the helpful answer."""
    post = posts.mark_helpful(db, ctx, post_id)
    message = "Marked as the helpful answer." if post.helpful else "No longer marked helpful."
    return redirect(request, f"{_thread_url(ctx, post.thread_id)}#post-{post.id}", message)


@router.get("/posts/{post_id}/report", response_class=HTMLResponse)
def report_form(request: Request, db: Db, ctx: Community, post_id: uuid.UUID) -> Response:
    """The form to report a post."""
    return _post_form(request, db, ctx, post_id, "communities/report.html")


def _post_form(
    request: Request,
    db: Db,
    ctx: CommunityAccess,
    post_id: uuid.UUID,
    template: str,
    status: int = 200,
    **extra: object,
) -> Response:
    """A form about one post (report it, or edit it again after a refusal)."""
    post = posts.get_post(db, ctx, post_id)
    return render(request, template, status, ctx=ctx, post=post, base=base_url(ctx), **extra)


@router.post("/posts/{post_id}/report", response_class=HTMLResponse)
def report(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: Community,
    post_id: uuid.UUID,
    reason: Text = "",
) -> Response:
    """Report a post to the facilitators."""
    return forms.submit(
        lambda: moderation.report(db, settings, ctx, post_id, reason),
        done=lambda row: redirect(
            request,
            f"{_thread_url(ctx, row.post.thread_id)}#post-{post_id}",
            "Thank you. The facilitators will look at this post.",
        ),
        page=partial(_post_form, request, db, ctx, post_id, "communities/report.html"),
        values={"reason": reason},
    )


@router.get(
    links.COMMUNITY_MODERATION.under(router.prefix),
    name=links.COMMUNITY_MODERATION.name,
    response_class=HTMLResponse,
)
def moderation_queue(request: Request, db: Db, ctx: Community) -> Response:
    """Open reports (facilitators and administrators)."""
    return render(
        request, "communities/moderation.html", ctx=ctx, community=ctx.community,
        reports=moderation.queue(db, ctx), base=base_url(ctx),
    )  # fmt: skip


@router.post("/posts/{post_id}/moderate", response_class=HTMLResponse)
def moderate(
    request: Request, db: Db, settings: AppSettings, ctx: Community, post_id: uuid.UUID,
    action: Text = "", note: Text = "", back: Text = "",
) -> Response:  # fmt: skip
    """Hide, restore or remove a post."""
    post = moderation.moderate(db, settings, ctx, post_id, action, note)
    target = f"{base_url(ctx)}/moderation" if back == "queue" else _thread_url(ctx, post.thread_id)
    return redirect(request, target, f"The post is {moderation.PAST[action]}.")


@router.post("/reports/{report_id}/dismiss", response_class=HTMLResponse)
def dismiss(request: Request, db: Db, ctx: Community, report_id: uuid.UUID) -> Response:
    """Close a report without acting on the post."""
    moderation.dismiss(db, ctx, report_id)
    return redirect(request, f"{base_url(ctx)}/moderation", "The report is closed.")
