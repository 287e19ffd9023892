"""Public verification API for employers: one credential or a batch, JSON or an uploaded image."""

from __future__ import annotations

from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models import AccessToken
from app.routers.credentials.schemas import (
    BatchRequest,
    BatchResponse,
    VerifyRequest,
    VerifyResponse,
)
from app.settings import Settings
from app.web.access import AppSettings, Db, optional_api_token
from app.web.api_errors import ERROR_RESPONSES
from app.web.common import TransactionalRoute, reads_only, verify_rate_limited

router = APIRouter(
    prefix="/api/v1",
    route_class=TransactionalRoute,
    tags=["verification"],
    responses=ERROR_RESPONSES,
)
Caller = Annotated[AccessToken | None, Depends(optional_api_token)]


def _check(
    request: Request,
    db: Session,
    settings: Settings,
    token: AccessToken | None,
    data: Any,
    email: str | None,
) -> dict[str, Any]:
    """Rate-limit, then verify; the report as JSON."""
    answer: dict[str, Any] = verify_rate_limited(
        request, db, settings, token, data, email
    ).to_json()
    return answer


async def _read_body(request: Request, settings: Settings) -> tuple[Any, str | None]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_part_size=settings.verify_max_upload_bytes)
        upload, email = form.get("file"), form.get("email")
        if upload is None or isinstance(upload, str):
            raise Invalid("Upload the credential as the form field 'file'.", field="file")
        return await upload.read(), email if isinstance(email, str) else None
    if content_type.startswith("application/json"):
        try:
            body = VerifyRequest.model_validate_json(await request.body())
        except ValueError as exc:
            raise Invalid(f"The body is not a valid verification request: {exc}") from exc
        return body.credential, body.email
    raise Invalid('Send JSON ({"credential": …, "email": …}) or a multipart upload (\'file\').')


@router.post(
    "/verify",
    response_model=VerifyResponse,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": VerifyRequest.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary", "minLength": 1},
                            "email": {"type": "string"},
                        },
                        "required": ["file"],
                    }
                },
            },
            "required": True,
        }
    },
)
@reads_only
async def verify_one(
    request: Request, db: Db, settings: AppSettings, caller: Caller
) -> dict[str, Any]:
    """Verify an OB 3.0 credential: JSON-LD, a VC-JWT, or a baked PNG/SVG upload."""
    data, email = await _read_body(request, settings)
    return await to_thread.run_sync(_check, request, db, settings, caller, data, email)


@router.post("/verify/batch", response_model=BatchResponse)
@reads_only
async def verify_batch(
    request: Request, db: Db, settings: AppSettings, caller: Caller, body: BatchRequest
) -> dict[str, Any]:
    """Verify up to 100 credentials (e.g. an applicant list) in one call."""
    if len(body.items) > settings.verify_max_batch:
        raise Invalid(f"Send at most {settings.verify_max_batch} credentials per batch.")
    results = [
        await to_thread.run_sync(_check, request, db, settings, caller, item.credential, item.email)
        for item in body.items
    ]
    return {"results": results, "valid_count": sum(1 for r in results if r["valid"])}
