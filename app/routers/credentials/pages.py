"""Pages: the wallet, public credential pages, the employer /verify page, and revocation."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from anyio import to_thread
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.errors import Invalid
from app.kit import links, numbers
from app.models import IssuedCredential
from app.services.credentials import awards, downloads, holdings, lifecycle, qr
from app.services.credentials import issuing as credentials
from app.web import forms
from app.web.access import (
    Admin,
    AppSettings,
    CurrentUser,
    Db,
    OrgContext,
    public,
    verify_csrf,
)
from app.web.common import (
    TransactionalRoute,
    file_download,
    reads_only,
    redirect,
    render,
    verify_here,
    verify_rate_limited,
    wants_json,
)

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])
JSON_TYPES = ("application/ld+json", "application/json", "application/vc+ld+json")


@router.get(links.WALLET.path, name=links.WALLET.name, response_class=HTMLResponse)
def wallet(request: Request, db: Db, user: CurrentUser) -> Response:
    """Every credential the signed-in person holds, with its status and downloads."""
    return render(
        request,
        "credentials/wallet/list.html",
        items=holdings.wallet(db, user),
        outdated=lifecycle.outdated_recipients(db, user),
        pending=awards.unsigned_for_user(db, user),
    )


@router.post("/wallet/reissue", response_class=HTMLResponse)
def reissue(request: Request, db: Db, settings: AppSettings, user: CurrentUser) -> Response:
    """Re-issue credentials that name an old e-mail address to the current one."""
    fresh = lifecycle.reissue_to_current_email(db, settings, user)
    return redirect(
        request,
        "/wallet",
        f"{len(fresh)} credential(s) re-issued to {user.email}; the old "
        "copies are marked superseded.",
    )


@router.post("/wallet/{credential_id}/visibility", response_class=HTMLResponse)
def set_visibility(
    request: Request,
    db: Db,
    user: CurrentUser,
    credential_id: uuid.UUID,
    public_page: Annotated[str, Form()] = "",
) -> Response:
    """Publish a credential's page, or make it private again."""
    row = holdings.set_public(db, user, credential_id, public_page == "1")
    message = (
        "Anyone with the link can now see and verify this credential."
        if row.is_public
        else "This credential is private again; its page is gone."
    )
    return redirect(request, "/wallet", message)


@router.get("/wallet/{credential_id}/download/{fmt}")
def download(db: Db, user: CurrentUser, credential_id: uuid.UUID, fmt: str) -> Response:
    """The credential as JSON-LD, VC-JWT, or a baked PNG or SVG image."""
    item = downloads.render(holdings.owned(db, user, credential_id), fmt)
    return file_download(item.content, item.media_type, item.filename)


IMAGE_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _badge_image(row: IssuedCredential, cache: str) -> Response:
    """The credential's artwork (SVG we generated; an uploaded image is embedded as a PNG)."""
    return Response(
        row.image_svg,
        media_type="image/svg+xml",
        headers={
            "Cache-Control": cache,
            "Content-Security-Policy": IMAGE_POLICY,
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/wallet/{credential_id}/image.svg")
def wallet_image(db: Db, user: CurrentUser, credential_id: uuid.UUID) -> Response:
    """The badge image of one of the signed-in person's credentials (shown in the wallet)."""
    return _badge_image(holdings.owned(db, user, credential_id), "private, max-age=3600")


@router.get("/credentials/{credential_id}/image.svg", dependencies=[Depends(public)])
def public_image(db: Db, credential_id: uuid.UUID) -> Response:
    """The badge image of a published credential (absent while it is private)."""
    return _badge_image(holdings.get_public(db, credential_id), "public, max-age=300")


def _linkedin_url(row: IssuedCredential, settings: AppSettings) -> str:
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": row.achievement_name,
        "organizationName": row.organization.name,
        "issueYear": row.issued_at.year,
        "issueMonth": row.issued_at.month,
        "certId": str(row.id),
        "certUrl": credentials.credential_url(settings, row.id),
    }
    if row.valid_until:
        params |= {"expirationYear": row.valid_until.year, "expirationMonth": row.valid_until.month}
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


@router.get(
    links.CREDENTIAL.path,
    name=links.CREDENTIAL.name,
    dependencies=[Depends(public)],
    response_model=None,
)
def credential_page(
    request: Request, db: Db, settings: AppSettings, credential_id: uuid.UUID
) -> Response:
    """A published credential: JSON-LD for machines, a page with live verification for people."""
    row = holdings.get_public(db, credential_id)
    if wants_json(request, JSON_TYPES):
        return JSONResponse(row.credential_json, media_type="application/ld+json")
    report = verify_here(request, db, settings, row.credential_json, None)
    url = credentials.credential_url(settings, row.id)
    return render(
        request,
        "credentials/public.html",
        item=row,
        holder=holdings.holder_name(row),
        report=report,
        page_url=url,
        qr_svg=qr.svg(url),
        linkedin_url=_linkedin_url(row, settings),
        achievement=_achievement(row.credential_json),
    )


def _achievement(credential: dict[str, Any]) -> dict[str, Any]:
    subject = credential.get("credentialSubject", {})
    value = subject.get("achievement", {}) if isinstance(subject, dict) else {}
    return value if isinstance(value, dict) else {}


@router.get("/verify", dependencies=[Depends(public)], response_class=HTMLResponse)
def verify_page(request: Request) -> Response:
    """Where an employer pastes or uploads a credential."""
    return render(request, "credentials/verify/form.html")


@router.post("/verify", dependencies=[Depends(public)], response_class=HTMLResponse)
@reads_only
async def verify_submit(
    request: Request,
    db: Db,
    settings: AppSettings,
    credential: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Verify what was pasted or uploaded and explain the result in plain words."""
    data: bytes | str = credential
    field = "credential"
    if file is not None and file.filename:
        field = "file"
        data = await file.read(settings.verify_max_upload_bytes + 1)
        if len(data) > settings.verify_max_upload_bytes:
            error = Invalid("That file is too large to be a badge image.", field="file")
            return render(
                request, "credentials/verify/form.html", 413, errors={"file": error.detail}
            )
    return await to_thread.run_sync(
        lambda: forms.submit(
            lambda: verify_rate_limited(
                request, db, settings, None, data, email or None
            ).require_credential(field),
            done=lambda report: render(request, "credentials/verify/result.html", report=report),
            page=forms.template(request, "credentials/verify/form.html"),
            values={"credential": credential, "email": email},
        )
    )


@router.get("/orgs/{slug}/credentials", response_class=HTMLResponse)
def org_credentials(request: Request, db: Db, ctx: Admin) -> Response:
    """Credentials the organization issued (administrators)."""
    return _list_page(request, db, ctx)


def _list_page(
    request: Request, db: Db, ctx: OrgContext, status: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "credentials/org_list.html",
        status,
        org=ctx.org,
        items=holdings.for_organization(db, ctx.org),
        **extra,
    )


def _org_credential(db: Db, ctx: OrgContext, credential_id: uuid.UUID) -> IssuedCredential:
    return holdings.in_organization(db, ctx.user, ctx.org, credential_id)


def _revoke_page(
    request: Request,
    ctx: OrgContext,
    row: IssuedCredential,
    status: int = 200,
    **extra: Any,
) -> Response:
    return render(request, "credentials/revoke.html", status, org=ctx.org, item=row, **extra)


@router.get("/orgs/{slug}/credentials/{credential_id}/revoke", response_class=HTMLResponse)
def confirm_revoke(request: Request, db: Db, ctx: Admin, credential_id: uuid.UUID) -> Response:
    """The credential and what revoking it does, with the reason to give (administrators)."""
    return _revoke_page(
        request, ctx, holdings.view_in_organization(db, ctx.user, ctx.org, credential_id)
    )


@router.post("/orgs/{slug}/credentials/{credential_id}/revoke", response_class=HTMLResponse)
def revoke(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: Admin,
    credential_id: uuid.UUID,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Revoke a credential; verifiers see it as revoked from now on."""
    row = _org_credential(db, ctx, credential_id)
    return forms.submit(
        lambda: lifecycle.revoke(db, settings, ctx.user, credential_id, reason),
        done=lambda _: redirect(
            request,
            f"/orgs/{ctx.org.slug}/credentials",
            f"The credential for {row.recipient_email} is revoked.",
        ),
        page=partial(_revoke_page, request, ctx, row),
        values={"reason": reason},
    )


@router.post("/orgs/{slug}/credentials/{credential_id}/renew", response_class=HTMLResponse)
def renew(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: Admin,
    credential_id: uuid.UUID,
    months: Annotated[str, Form()] = "",
) -> Response:
    """Issue a renewed credential that supersedes the old one."""
    row = _org_credential(db, ctx, credential_id)
    count = numbers.whole_number(months, 1000) or 0
    return forms.submit(
        lambda: lifecycle.renew(db, settings, ctx.user, credential_id, count),
        done=lambda _: redirect(
            request,
            f"/orgs/{ctx.org.slug}/credentials",
            f"Renewed {row.achievement_name} for {row.recipient_email} for {count} months.",
        ),
        page=partial(_list_page, request, db, ctx),
        errors=forms.whole_form,
    )
