"""Pages: the organization's issuer identity (DID document, current and retired keys) and
rotating its keys after a confirmation step (administrators)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.kit import links
from app.services.credentials import issuer
from app.web import forms
from app.web.access import Admin, AppSettings, Db, OrgContext, verify_csrf
from app.web.common import Text, TransactionalRoute, redirect, render

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])
ISSUER_PAGE = links.ISSUER_ADMIN.path


@router.get(ISSUER_PAGE, name=links.ISSUER_ADMIN.name, response_class=HTMLResponse)
def identity(request: Request, db: Db, settings: AppSettings, ctx: Admin) -> Response:
    """The DID document and the signing keys, with the way to rotate them."""
    found = issuer.identity_for_admin(db, settings, ctx.org, ctx.user)
    return render(
        request,
        "credentials/issuer.html",
        org=ctx.org,
        identity=found,
        document=json.dumps(found.document, indent=2, sort_keys=True),
    )


@router.get(ISSUER_PAGE + "/rotate", response_class=HTMLResponse)
def confirm_rotation(request: Request, db: Db, settings: AppSettings, ctx: Admin) -> Response:
    """What rotating the keys does, and the button that does it."""
    return _confirm_page(request, db, settings, ctx)


def _confirm_page(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: OrgContext,
    status: int = 200,
    **extra: Any,
) -> Response:
    found = issuer.identity_for_admin(db, settings, ctx.org, ctx.user)
    return render(
        request, "credentials/rotate_keys.html", status, org=ctx.org, identity=found, **extra
    )


@router.post(ISSUER_PAGE + "/rotate", response_class=HTMLResponse)
def rotate(
    request: Request, db: Db, settings: AppSettings, ctx: Admin, retire: Text = ""
) -> Response:
    """Retire the current keys (they stay published) and sign new credentials with new ones."""
    return forms.submit(
        lambda: issuer.rotate_keys_as_admin(
            db, settings, ctx.org, ctx.user, [k for k in retire.split() if k]
        ),
        done=lambda fresh: redirect(
            request,
            links.ISSUER_ADMIN.path_for(slug=ctx.org.slug),
            f"New keys created ({', '.join(k.key_id for k in fresh)}). Credentials already "
            "issued keep verifying with the retired keys.",
        ),
        page=partial(_confirm_page, request, db, settings, ctx),
        errors=forms.whole_form,
    )
