"""Public issuer documents: did:web DID documents, JWKS, OB 3.0 Profiles and status lists."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import select

from app.errors import NotFound
from app.kit import links
from app.models import Organization
from app.services.credentials import issuer, status_lists
from app.services.orgs import organizations
from app.web.access import AppSettings, Db, public
from app.web.common import TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(public)])
CACHE = {"Cache-Control": "public, max-age=300"}


def _json(document: dict[str, Any], media_type: str = "application/json") -> JSONResponse:
    return JSONResponse(document, media_type=media_type, headers=CACHE)


@router.get("/orgs/{slug}/did.json")
def did_document(db: Db, settings: AppSettings, slug: str) -> JSONResponse:
    """The organization's did:web DID document (current and retired keys)."""
    org = organizations.get_by_slug(db, slug)
    return _json(issuer.did_document_for(db, settings, org), "application/did+json")


@router.get("/orgs/{slug}/jwks.json")
def org_jwks(db: Db, settings: AppSettings, slug: str) -> JSONResponse:
    """The organization's VC-JWT keys."""
    org = organizations.get_by_slug(db, slug)
    return _json(issuer.jwks_for(db, settings, [org]), "application/jwk-set+json")


@router.get("/.well-known/jwks.json")
def all_jwks(db: Db, settings: AppSettings) -> JSONResponse:
    """Every issuer's VC-JWT keys on this host (the OB 3.0 key-provenance location)."""
    orgs = list(db.scalars(select(Organization)))
    return _json(issuer.jwks_for(db, settings, orgs), "application/jwk-set+json")


@router.get(links.ORG_PROFILE.path, name=links.ORG_PROFILE.name)
def profile(db: Db, settings: AppSettings, slug: str) -> JSONResponse:
    """The organization's OB 3.0 issuer Profile (JSON-LD)."""
    org = organizations.get_by_slug(db, slug)
    return _json(issuer.profile_json(settings, org), "application/ld+json")


@router.get(links.STATUS_LIST.path, name=links.STATUS_LIST.name)
def status_list(db: Db, slug: str, sequence: int) -> JSONResponse:
    """A signed BitstringStatusListCredential (re-signed whenever a credential is revoked)."""
    org = organizations.get_by_slug(db, slug)
    document = status_lists.signed_list(db, org, sequence)
    if document is None:
        raise NotFound("There is no such status list.")
    return JSONResponse(
        document,
        media_type="application/vc+ld+json",
        headers={"Cache-Control": "public, max-age=60"},
    )
