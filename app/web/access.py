"""Who may call a route. Every route depends on exactly one of these (a test checks it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.errors import Forbidden, Unauthorized
from app.models import AccessToken, Organization, Role, User
from app.services.identity import access_tokens
from app.services.identity.sessions import load_session
from app.services.orgs import organizations
from app.services.orgs.permissions import ROLE_RANK, can_manage_organizations, role_in
from app.settings import Settings
from app.web import csrf
from app.web.navigation import Navigation, navigation_for

SESSION_COOKIE = "laurel_session"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def get_db(request: Request) -> Session:
    """The request's database session (opened and committed by the route class)."""
    db: Session = request.state.db
    return db


def get_settings(request: Request) -> Settings:
    """The application's settings."""
    settings: Settings = request.app.state.settings
    return settings


Db = Annotated[Session, Depends(get_db)]
AppSettings = Annotated[Settings, Depends(get_settings)]


@dataclass(frozen=True)
class Viewer:
    """What the page layout shows about the signed-in user, copied when the user is loaded, so
    an error page renders even after a rollback detached or expired the ORM object."""

    id: uuid.UUID
    display_name: str
    is_platform_admin: bool
    nav: Navigation

    @classmethod
    def of(cls, user: User) -> Viewer:
        """The copy of a loaded user."""
        return cls(user.id, user.display_name, user.is_platform_admin, navigation_for(user))


def optional_user(request: Request, db: Db) -> User | None:
    """The signed-in user for a browser request, or None (``request.state.viewer`` keeps what
    the layout needs of them for error pages)."""
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    raw = request.cookies.get(SESSION_COOKIE)
    found = load_session(db, raw) if raw else None
    user = found.user if found else None
    request.state.user = user
    request.state.viewer = Viewer.of(user) if user else None
    return user


MaybeUser = Annotated[User | None, Depends(optional_user)]


async def verify_csrf(request: Request, settings: AppSettings) -> None:
    """Refuse state-changing browser requests without a valid CSRF token."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    submitted = request.headers.get(csrf.CSRF_HEADER)
    if not submitted and request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get(csrf.CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not csrf.is_valid(settings.secret, request.cookies.get(csrf.CSRF_COOKIE), submitted):
        raise Forbidden(
            "This form has expired or did not come from Laurel. Reload the page and try again.",
            code="csrf_failed",
        )


def public(user: MaybeUser) -> None:
    """Anyone may call this route, signed in or not (the user, if any, is loaded for the page)."""


def signed_in(user: MaybeUser) -> User:
    """The caller must be signed in."""
    if user is None:
        raise Unauthorized("Sign in to continue.")
    return user


CurrentUser = Annotated[User, Depends(signed_in)]


def platform_admin(user: CurrentUser) -> User:
    """The caller must be a platform administrator."""
    if not can_manage_organizations(user):
        raise Forbidden("Only platform administrators can do this.")
    return user


@dataclass(frozen=True)
class OrgContext:
    """The organization named in the path and the caller's role in it."""

    org: Organization
    user: User
    role: Role


class OrgRole:
    """The caller must hold at least ``minimum`` in the organization named by ``{slug}``."""

    def __init__(self, minimum: Role) -> None:
        self.minimum = minimum

    def __call__(self, slug: str, user: CurrentUser, db: Db) -> OrgContext:
        org = organizations.get_by_slug(db, slug)
        role = role_in(user, org.id)
        if role is None:
            raise Forbidden(f"You are not a member of {org.name}.")
        if ROLE_RANK[role] < ROLE_RANK[self.minimum]:
            raise Forbidden(f"This needs the {self.minimum.value} role in {org.name}.")
        return OrgContext(org=org, user=user, role=role)


Member = Annotated[OrgContext, Depends(OrgRole(Role.TEACHER))]
Coach = Annotated[OrgContext, Depends(OrgRole(Role.COACH))]
Admin = Annotated[OrgContext, Depends(OrgRole(Role.ADMIN))]


class ApiToken:
    """The caller must present a personal access token (Bearer) carrying ``scope``."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def __call__(self, request: Request, db: Db) -> User:
        header = request.headers.get("authorization", "")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw:
            raise Unauthorized("Send a personal access token as 'Authorization: Bearer <token>'.")
        token: AccessToken | None = access_tokens.authenticate_token(db, raw.strip())
        if token is None:
            raise Unauthorized("This access token is unknown, expired or revoked.")
        if self.scope not in token.scopes:
            raise Forbidden(f"This access token lacks the '{self.scope}' scope.")
        request.state.user = token.user
        return token.user


def optional_api_token(request: Request, db: Db) -> AccessToken | None:
    """Anyone may call; a bearer token, when sent, must be valid (it raises rate limits)."""
    header = request.headers.get("authorization", "")
    if not header:
        return None
    scheme, _, raw = header.partition(" ")
    token = (
        access_tokens.authenticate_token(db, raw.strip()) if scheme.lower() == "bearer" else None
    )
    if token is None:
        raise Unauthorized("This access token is unknown, expired or revoked.")
    return token


ACCESS_DEPENDENCIES: tuple[Any, ...] = (
    public,
    signed_in,
    platform_admin,
    OrgRole,
    ApiToken,
    optional_api_token,
)
