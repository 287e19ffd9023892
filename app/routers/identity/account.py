"""Pages: the signed-in person's account (password, e-mail, devices, access tokens)."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.errors import Invalid
from app.kit import links
from app.services.identity import access_tokens, accounts
from app.services.identity.sessions import count_sessions
from app.web import forms
from app.web.access import SESSION_COOKIE, AppSettings, CurrentUser, Db, public, verify_csrf
from app.web.common import Text, TransactionalRoute, redirect, render

router = APIRouter(
    prefix="/account", route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)]
)


def _page(
    request: Request, db: Db, user: CurrentUser, status: int = 200, **extra: object
) -> Response:
    return render(
        request,
        "identity/account/settings.html",
        status,
        tokens=access_tokens.list_tokens(db, user),
        session_count=count_sessions(db, user.id),
        **extra,
    )


def _days(text: str) -> int | None:
    try:
        return int(text) if text.strip() else None
    except ValueError as exc:
        raise Invalid("Enter a whole number of days.", field="expires_in_days") from exc


@router.get("", response_class=HTMLResponse)
def settings_page(request: Request, db: Db, user: CurrentUser) -> Response:
    """Account settings."""
    return _page(request, db, user)


@router.post("/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    db: Db,
    user: CurrentUser,
    current_password: Text = "",
    new_password: Text = "",
) -> Response:
    """Change the password."""
    return forms.submit(
        lambda: accounts.change_password(
            db,
            user,
            current=current_password,
            new=new_password,
            session_raw=request.cookies.get(SESSION_COOKIE),
        ),
        done=lambda _: redirect(request, "/account", "Your password is changed."),
        page=partial(_page, request, db, user),
        values={},
        errors=forms.renamed({"password": "new_password"}),
    )


@router.post("/did", response_class=HTMLResponse)
def change_did(request: Request, db: Db, user: CurrentUser, did: Text = "") -> Response:
    """Set the DID to name in future credentials (optional)."""
    return forms.submit(
        lambda: accounts.set_did(db, user, did),
        done=lambda _: redirect(
            request, "/account", "Your DID is saved." if did.strip() else "DID removed."
        ),
        page=partial(_page, request, db, user),
        values={"did": did},
    )


@router.post("/email", response_class=HTMLResponse)
def change_email(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    new_email: Text = "",
    password: Text = "",
) -> Response:
    """Ask to change the e-mail address; a link goes to the new one."""
    return forms.submit(
        lambda: accounts.request_email_change(
            db, settings, user, new_email=new_email, password=password
        ),
        done=lambda address: redirect(
            request, "/account", f"We sent a confirmation link to {address}."
        ),
        page=partial(_page, request, db, user),
        values={"new_email": new_email},
    )


@router.get(
    links.EMAIL_CHANGE_CONFIRM.under(router.prefix),
    name=links.EMAIL_CHANGE_CONFIRM.name,
    dependencies=[Depends(public)],
    response_class=HTMLResponse,
)
def confirm_email(request: Request, db: Db, settings: AppSettings, token: str = "") -> Response:
    """Open the link sent to the new address."""
    return forms.submit(
        lambda: accounts.confirm_email_change(db, settings, token),
        done=lambda user: redirect(
            request, "/account", f"Your e-mail address is now {user.email}."
        ),
        page=forms.message(request, "identity/auth/link_problem.html"),
    )


@router.post("/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    db: Db,
    user: CurrentUser,
    name: Text = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    expires_in_days: Text = "",
) -> Response:
    """Create a personal access token and show it once."""
    return forms.submit(
        lambda: access_tokens.create_token(
            db, user, name=name, scopes=scopes or [], expires_in_days=_days(expires_in_days)
        ),
        done=lambda made: render(
            request, "identity/account/token_created.html", 201, token=made[0], raw_token=made[1]
        ),
        page=partial(_page, request, db, user),
        values={"name": name},
    )


@router.post("/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, db: Db, user: CurrentUser, token_id: uuid.UUID) -> Response:
    """Revoke one of the person's tokens."""
    access_tokens.revoke_token(db, user, token_id)
    return redirect(request, "/account", "The token is revoked; it no longer works.")
