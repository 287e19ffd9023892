"""With LAUREL_STORAGE_BACKEND=s3, a community attachment goes to the bucket and back."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from app.models import Attachment, CommunityMember, Role
from app.services.communities import membership as communities
from app.settings import Settings
from tests.communities.conftest import login
from tests.storage.conftest import s3_objects
from tests.support import WebClient, make_org, make_user


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, format="PNG")
    return buffer.getvalue()


def test_community_attachment_is_stored_in_s3(
    web: WebClient, db, s3_settings: Settings, settings: Settings
) -> None:
    org = make_org(db)
    coach = make_user(db, "coach@school.org", org=org, role=Role.COACH)
    ana = make_user(db, "ana@school.org", org=org)
    community = communities.create_community(db, org, coach, slug="math", name="Math circle")
    db.add(CommunityMember(community_id=community.id, user_id=ana.id))
    db.commit()
    login(web, "ana@school.org")

    sent = web.post(
        "/orgs/riverbend/communities/math/threads",
        {"title": "Plan", "body": "See attached"},
        files=[("files", ("plan.png", png_bytes(), "application/octet-stream"))],
    )
    assert sent.status_code == 303, sent.text
    attachment = db.scalar(select(Attachment))
    assert s3_objects(s3_settings) == [f"laurel/{attachment.storage_key}"]
    assert settings.upload_dir is not None
    assert not settings.upload_dir.exists() or not any(settings.upload_dir.rglob("*"))
    download = web.get(f"/files/{attachment.id}")
    assert download.status_code == 200
    assert download.content == png_bytes()

    refused = web.post(
        "/orgs/riverbend/communities/math/threads",
        {"title": "T", "body": "x" * 30_000},
        files=[("files", ("ok.png", png_bytes(), "image/png"))],
    )
    assert refused.status_code == 422
    assert s3_objects(s3_settings) == [f"laurel/{attachment.storage_key}"]
