"""Pages: platform administration of organizations and their verified e-mail domains."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.errors import Invalid
from app.models import Organization, OrgKind, Role, User
from app.services.orgs import organizations
from app.services.orgs.domains import set_verified_domains, verified_domains
from app.web import forms
from app.web.access import Db, platform_admin, verify_csrf
from app.web.common import Text, TransactionalRoute, redirect, render

router = APIRouter(
    prefix="/admin", route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)]
)
PlatformAdmin = Annotated[User, Depends(platform_admin)]


def _page(request: Request, db: Db, status: int = 200, **extra: object) -> Response:
    return render(
        request,
        "orgs/admin/organizations.html",
        status,
        organizations=organizations.list_organizations(db),
        kinds=list(OrgKind),
        **extra,
    )


@router.get("/organizations", dependencies=[Depends(platform_admin)], response_class=HTMLResponse)
def list_page(request: Request, db: Db) -> Response:
    """Every organization, and a form to add one."""
    return _page(request, db)


@router.post("/organizations", response_class=HTMLResponse)
def create(
    request: Request,
    db: Db,
    admin: PlatformAdmin,
    slug: Text = "",
    name: Text = "",
    kind: Text = "district",
    url: Text = "",
    email: Text = "",
) -> Response:
    """Create an organization; the creating platform admin becomes its first admin."""
    values = {"slug": slug, "name": name, "kind": kind, "url": url, "email": email}

    def create_with_admin() -> Organization:
        org = organizations.create_organization(
            db, admin, slug=slug, name=name, kind=_kind(kind), url=url, email=email
        )
        organizations.add_member(db, org, admin, Role.ADMIN)
        return org

    return forms.submit(
        create_with_admin,
        done=lambda org: redirect(request, f"/orgs/{org.slug}/members", f"{org.name} is created."),
        page=partial(_page, request, db),
        values=values,
    )


def _kind(value: str) -> OrgKind:
    try:
        return OrgKind(value)
    except ValueError as exc:
        raise Invalid("Choose district, agency or university.", field="kind") from exc


def _domains_page(
    request: Request, db: Db, org: Organization, status: int = 200, **extra: object
) -> Response:
    return render(
        request,
        "orgs/admin/domains.html",
        status,
        org=org,
        domains=verified_domains(db, org),
        **extra,
    )


@router.get(
    "/organizations/{slug}/domains",
    dependencies=[Depends(platform_admin)],
    response_class=HTMLResponse,
)
def domains_page(request: Request, db: Db, slug: str) -> Response:
    """The e-mail domains confirmed as the organization's (single sign-on links them)."""
    return _domains_page(request, db, organizations.get_by_slug(db, slug))


@router.post("/organizations/{slug}/domains", response_class=HTMLResponse)
def save_domains(
    request: Request, db: Db, admin: PlatformAdmin, slug: str, domains: Text = ""
) -> Response:
    """Replace the organization's verified e-mail domains."""
    org = organizations.get_by_slug(db, slug)
    return forms.submit(
        lambda: set_verified_domains(db, admin, org, domains),
        done=lambda _: redirect(
            request, f"/admin/organizations/{org.slug}/domains", f"{org.name}'s domains are saved."
        ),
        page=partial(_domains_page, request, db, org),
        values={"domains": domains},
    )
