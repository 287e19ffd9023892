"""Pages: sign-up, e-mail verification, sign-in, sign-out and password reset."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.errors import AppError
from app.kit import links
from app.kit.i18n import gettext as _
from app.models import User
from app.services.identity import accounts
from app.services.identity.sessions import end_all_sessions, end_session
from app.services.orgs import sso_links
from app.web import forms
from app.web.access import (
    SESSION_COOKIE,
    AppSettings,
    Db,
    MaybeUser,
    public,
    signed_in,
    verify_csrf,
)
from app.web.common import (
    Text,
    TransactionalRoute,
    client_ip,
    redirect,
    render,
    safe_next,
)
from app.web.signin import LINK_COOKIE, LINK_COOKIE_PATH, sign_in_response

LINK_PROBLEM = "identity/auth/link_problem.html"
router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])


@router.get("/signup", dependencies=[Depends(public)], response_class=HTMLResponse)
def signup_page(request: Request) -> Response:
    """The sign-up form."""
    return render(request, "identity/auth/signup.html")


@router.post("/signup", dependencies=[Depends(public)], response_class=HTMLResponse)
def signup_submit(
    request: Request,
    db: Db,
    settings: AppSettings,
    email: Text = "",
    display_name: Text = "",
    password: Text = "",
) -> Response:
    """Create the account and ask the person to confirm their e-mail (the same page when the
    address already has an account: its owner is told by e-mail instead)."""
    values = {"email": email, "display_name": display_name}
    return forms.submit(
        lambda: accounts.sign_up(
            db,
            settings,
            email=email,
            display_name=display_name,
            password=password,
            ip=client_ip(request),
        ),
        done=lambda address: render(
            request, "identity/auth/check_email.html", email=address, status_code=201
        ),
        page=forms.template(request, "identity/auth/signup.html"),
        values=values,
    )


@router.get(
    links.VERIFY_EMAIL.path,
    name=links.VERIFY_EMAIL.name,
    dependencies=[Depends(public)],
    response_class=HTMLResponse,
)
def verify_email(request: Request, db: Db, token: str = "") -> Response:
    """Open the link from the verification e-mail."""
    return forms.submit(
        lambda: accounts.verify_email(db, token),
        done=lambda user: redirect(
            request,
            "/signin",
            _("Thanks, %(email)s is confirmed. You can sign in now.", email=user.email),
        ),
        page=forms.message(request, LINK_PROBLEM),
    )


@router.post("/verify-email/resend", dependencies=[Depends(public)], response_class=HTMLResponse)
def resend_verification(
    request: Request, db: Db, settings: AppSettings, email: Text = ""
) -> Response:
    """Send a new verification link."""
    return forms.submit(
        lambda: accounts.resend_verification(db, settings, email, client_ip(request)),
        done=lambda _: render(
            request, "identity/auth/check_email.html", email=email.strip().lower()
        ),
        page=forms.template(request, "identity/auth/signin.html"),
        values={"email": email},
    )


def _pending_link(request: Request, db: Db, settings: AppSettings) -> sso_links.PendingLink | None:
    return sso_links.read_pending_link(db, settings, request.cookies.get(LINK_COOKIE))


@router.get("/signin", dependencies=[Depends(public)], response_class=HTMLResponse)
def signin_page(
    request: Request, db: Db, settings: AppSettings, user: MaybeUser, next: str = "/"
) -> Response:
    """The sign-in form (password, or single sign-on through the person's organization)."""
    if user is not None:
        return redirect(request, safe_next(next))
    pending = _pending_link(request, db, settings)
    values = {"email": pending.email} if pending else {}
    return render(
        request, "identity/auth/signin.html", next=safe_next(next), pending=pending, values=values
    )


@router.post("/signin", dependencies=[Depends(public)], response_class=HTMLResponse)
def signin_submit(
    request: Request,
    db: Db,
    settings: AppSettings,
    email: Text = "",
    password: Text = "",
    next: Text = "/",
    link_sso: Text = "",
) -> Response:
    """Check the password and start a session; link a waiting single sign-on if asked to."""
    pending = _pending_link(request, db, settings)
    try:
        user = accounts.authenticate(
            db, settings, email=email, password=password, ip=client_ip(request)
        )
    except AppError as exc:
        page = forms.template(
            request,
            "identity/auth/signin.html",
            next=safe_next(next),
            pending=pending,
            unverified=exc.code == "email_unverified",
        )
        return forms.refused(page, exc, {"email": email})
    note = _confirm_link(db, settings, pending, user, wanted=bool(link_sso)) if pending else ""
    response = sign_in_response(request, settings, db, user.id, next, note)
    response.delete_cookie(LINK_COOKIE, path=LINK_COOKIE_PATH)
    return response


def _confirm_link(
    db: Db, settings: AppSettings, pending: sso_links.PendingLink, user: User, *, wanted: bool
) -> str:
    org = pending.organization_name
    if not wanted:
        return _("%(organization)s single sign-on was not linked.", organization=org)
    if sso_links.confirm_pending_link(db, settings, pending, user):
        return _("Your account is now linked to %(organization)s single sign-on.", organization=org)
    return _(
        "%(organization)s single sign-on was not linked: it is waiting for another account.",
        organization=org,
    )


@router.post("/signout", dependencies=[Depends(signed_in)])
def signout(request: Request, db: Db) -> Response:
    """End this browser's session."""
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        end_session(db, raw)
    response = redirect(request, "/", _("You are signed out."))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/signout/everywhere", dependencies=[Depends(signed_in)])
def signout_everywhere(request: Request, db: Db, user: MaybeUser) -> Response:
    """End every session of this account, on every device."""
    assert user is not None
    end_all_sessions(db, user.id)
    response = redirect(request, "/", _("You are signed out on every device."))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password/forgot", dependencies=[Depends(public)], response_class=HTMLResponse)
def forgot_page(request: Request) -> Response:
    """Ask for a password reset link."""
    return render(request, "identity/auth/forgot.html")


@router.post("/password/forgot", dependencies=[Depends(public)], response_class=HTMLResponse)
def forgot_submit(request: Request, db: Db, settings: AppSettings, email: Text = "") -> Response:
    """Send the reset link if the account exists (the page says the same either way)."""
    return forms.submit(
        lambda: accounts.request_password_reset(db, settings, email, client_ip(request)),
        done=lambda _: render(
            request, "identity/auth/forgot_sent.html", email=email.strip().lower()
        ),
        page=forms.template(request, "identity/auth/forgot.html"),
        values={"email": email},
    )


@router.get(
    links.PASSWORD_RESET.path,
    name=links.PASSWORD_RESET.name,
    dependencies=[Depends(public)],
    response_class=HTMLResponse,
)
def reset_page(request: Request, db: Db, token: str = "") -> Response:
    """The form for a new password, if the link can still be used."""
    return forms.submit(
        lambda: accounts.check_reset_token(db, token),
        done=lambda _: render(request, "identity/auth/reset.html", token=token),
        page=forms.message(request, LINK_PROBLEM),
    )


@router.post("/password/reset", dependencies=[Depends(public)], response_class=HTMLResponse)
def reset_submit(request: Request, db: Db, token: Text = "", password: Text = "") -> Response:
    """Set the new password; every existing session ends."""
    try:
        accounts.reset_password(db, token, password)
    except AppError as exc:
        form = forms.template(request, "identity/auth/reset.html", token=token)
        return forms.refused(form if exc.field else forms.message(request, LINK_PROBLEM), exc, {})
    response = redirect(request, "/signin", _("Your password is changed. Sign in with it now."))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
