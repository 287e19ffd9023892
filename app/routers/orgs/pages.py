"""Pages: an organization's members, invitations and single sign-on settings."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.errors import Invalid
from app.kit import links
from app.models import Role
from app.services.orgs import domains, invitations, memberships, sso
from app.web import forms
from app.web.access import (
    Admin,
    AppSettings,
    Coach,
    CurrentUser,
    Db,
    OrgContext,
    public,
    verify_csrf,
)
from app.web.common import (
    Text,
    TransactionalRoute,
    client_ip,
    redirect,
    render,
)

LINK_PROBLEM = "identity/auth/link_problem.html"
router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])


def parse_role(value: str) -> Role:
    """A role from a form value, or Invalid."""
    try:
        return Role(value)
    except ValueError as exc:
        raise Invalid("Choose teacher, coach or admin.", field="role") from exc


def _members_page(
    request: Request, db: Db, ctx: OrgContext, status: int = 200, **extra: object
) -> Response:
    page = memberships.members_page(db, ctx.user, ctx.org)
    return render(
        request,
        "orgs/members.html",
        status,
        org=ctx.org,
        members=page.members,
        invitations=page.invitations,
        can_manage_members=page.can_manage,
        roles=list(Role),
        **extra,
    )


@router.get("/orgs/{slug}/members", response_class=HTMLResponse)
def members(request: Request, db: Db, ctx: Coach) -> Response:
    """Members of the organization (coaches and admins)."""
    return _members_page(request, db, ctx)


@router.post("/orgs/{slug}/invitations", response_class=HTMLResponse)
def invite(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: Admin,
    email: Text = "",
    role: Text = "teacher",
) -> Response:
    """Invite someone by e-mail."""
    return forms.submit(
        lambda: invitations.invite(
            db,
            settings,
            ctx.org,
            ctx.user,
            email=email,
            role=parse_role(role),
            ip=client_ip(request),
        ),
        done=lambda _: redirect(
            request, f"/orgs/{ctx.org.slug}/members", f"Invitation sent to {email}."
        ),
        page=partial(_members_page, request, db, ctx),
        values={"email": email, "role": role},
    )


@router.post("/orgs/{slug}/members/{membership_id}/role", response_class=HTMLResponse)
def change_role(
    request: Request, db: Db, ctx: Admin, membership_id: uuid.UUID, role: Text = ""
) -> Response:
    """Change a member's role."""
    return forms.submit(
        lambda: memberships.change_role(db, ctx.org, ctx.user, membership_id, parse_role(role)),
        done=lambda membership: redirect(
            request,
            f"/orgs/{ctx.org.slug}/members",
            f"{membership.user.display_name} is now {membership.role.value}.",
        ),
        page=partial(_members_page, request, db, ctx),
        errors=forms.whole_form,
    )


@router.post("/orgs/{slug}/members/{membership_id}/remove", response_class=HTMLResponse)
def remove_member(request: Request, db: Db, ctx: Admin, membership_id: uuid.UUID) -> Response:
    """Remove a member from the organization."""
    return forms.submit(
        lambda: memberships.remove_member(db, ctx.org, ctx.user, membership_id),
        done=lambda _: redirect(
            request, f"/orgs/{ctx.org.slug}/members", "The member was removed."
        ),
        page=partial(_members_page, request, db, ctx),
        errors=forms.whole_form,
    )


def _expiry_seen(expires: str) -> datetime | None:
    if not expires:
        return None
    try:
        return datetime.fromisoformat(expires)
    except ValueError:
        raise Invalid("Reload the member list and try again.") from None


@router.post("/orgs/{slug}/invitations/{invitation_id}/resend", response_class=HTMLResponse)
def resend_invitation(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: Admin,
    invitation_id: uuid.UUID,
    expires: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Send a pending invitation again, with a new link and a new expiry (``expires``: the
    expiry the page showed, so a double click sends once)."""
    return forms.submit(
        lambda: invitations.resend(
            db,
            settings,
            ctx.org,
            ctx.user,
            invitation_id,
            ip=client_ip(request),
            expiry_seen=_expiry_seen(expires),
        ),
        done=lambda invitation: redirect(
            request,
            f"/orgs/{ctx.org.slug}/members",
            f"Invitation sent again to {invitation.email}; the earlier link no longer works.",
        ),
        page=partial(_members_page, request, db, ctx),
        errors=forms.whole_form,
    )


@router.post("/orgs/{slug}/invitations/{invitation_id}/revoke", response_class=HTMLResponse)
def revoke_invitation(request: Request, db: Db, ctx: Admin, invitation_id: uuid.UUID) -> Response:
    """Withdraw a pending invitation; its link stops working."""
    return forms.submit(
        lambda: invitations.revoke(db, ctx.org, ctx.user, invitation_id),
        done=lambda invitation: redirect(
            request,
            f"/orgs/{ctx.org.slug}/members",
            f"The invitation to {invitation.email} is withdrawn.",
        ),
        page=partial(_members_page, request, db, ctx),
        errors=forms.whole_form,
    )


@router.get(
    links.INVITATION.path,
    name=links.INVITATION.name,
    dependencies=[Depends(public)],
    response_class=HTMLResponse,
)
def invitation_page(request: Request, db: Db, token: str) -> Response:
    """Show an invitation; signed-in people accept it, others sign in or sign up first."""
    return forms.submit(
        lambda: invitations.find_invitation(db, token),
        done=lambda invitation: render(
            request, "orgs/invitation.html", invitation=invitation, token=token
        ),
        page=forms.message(request, LINK_PROBLEM),
    )


@router.post("/invitations/{token}", response_class=HTMLResponse)
def accept_invitation(request: Request, db: Db, user: CurrentUser, token: str) -> Response:
    """Accept the invitation with the signed-in account."""
    return forms.submit(
        lambda: invitations.accept_invitation(db, token, user),
        done=lambda membership: redirect(
            request, "/", f"You joined {membership.organization.name}."
        ),
        page=forms.message(request, LINK_PROBLEM),
    )


def _sso_page(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: OrgContext,
    status: int = 200,
    **extra: Any,
) -> Response:
    """The settings page; its form shows the saved settings unless ``values`` are given."""
    provider = sso.provider_for(db, ctx.org)
    saved = (
        {
            "label": provider.label,
            "issuer_url": provider.issuer_url,
            "client_id": provider.client_id,
            "enabled": provider.enabled,
        }
        if provider
        else {"enabled": True}
    )
    extra.setdefault("values", saved)
    return render(
        request,
        "orgs/sso.html",
        status,
        org=ctx.org,
        provider=provider,
        redirect_uri=sso.redirect_uri(settings),
        domains=domains.verified_domains(db, ctx.org),
        **extra,
    )


@router.get("/orgs/{slug}/settings/sso", response_class=HTMLResponse)
def sso_settings(request: Request, db: Db, settings: AppSettings, ctx: Admin) -> Response:
    """The organization's single sign-on settings (admins)."""
    return _sso_page(request, db, settings, ctx)


@router.post("/orgs/{slug}/settings/sso/test", response_class=HTMLResponse)
def check_sso_settings(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: Admin,
    label: Text = "",
    issuer_url: Text = "",
    client_id: Text = "",
    enabled: Text = "",
) -> Response:
    """Check the issuer as entered, before saving (admins): its discovery document is fetched
    through the SSO fetcher and the findings shown beside the form; nothing is saved."""
    values = {
        "label": label,
        "issuer_url": issuer_url,
        "client_id": client_id,
        "enabled": bool(enabled),
    }
    return forms.submit(
        lambda: sso.check_connection(settings, issuer_url, resolver=request.app.state.sso_resolver),
        done=lambda check: _sso_page(request, db, settings, ctx, values=values, check=check),
        page=partial(_sso_page, request, db, settings, ctx),
        values=values,
    )


@router.post("/orgs/{slug}/settings/sso", response_class=HTMLResponse)
def save_sso_settings(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: Admin,
    label: Text = "",
    issuer_url: Text = "",
    client_id: Text = "",
    client_secret: Text = "",
    enabled: Text = "",
) -> Response:
    """Save the provider settings."""
    values = {
        "label": label,
        "issuer_url": issuer_url,
        "client_id": client_id,
        "enabled": bool(enabled),
    }
    return forms.submit(
        lambda: sso.configure_provider(
            db,
            settings,
            ctx.org,
            ctx.user,
            label=label,
            issuer_url=issuer_url,
            client_id=client_id,
            client_secret=client_secret,
            enabled=bool(enabled),
        ),
        done=lambda _: redirect(
            request, f"/orgs/{ctx.org.slug}/settings/sso", "Single sign-on is saved."
        ),
        page=partial(_sso_page, request, db, settings, ctx),
        values=values,
    )
