"""Shared pieces of the community pages: the community in the path, uploads and URLs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, UploadFile

from app.models import Role
from app.security.access import Db, OrgContext, OrgRole
from app.services import communities
from app.services.communities import CommunityAccess
from app.services.storage import Upload
from app.settings import Settings

Text = Annotated[str, Form()]
Member = Annotated[OrgContext, Depends(OrgRole(Role.TEACHER))]
Coach = Annotated[OrgContext, Depends(OrgRole(Role.COACH))]


def community_access(community: str, org: Member, db: Db) -> CommunityAccess:
    """The community named in the path, as the signed-in organization member sees it."""
    return communities.access(db, org.org, community, org.user)


Community = Annotated[CommunityAccess, Depends(community_access)]


def base_url(ctx: CommunityAccess) -> str:
    """The community's page."""
    return communities.community_url(ctx.community)


def read_uploads(settings: Settings, files: list[UploadFile] | None) -> list[Upload]:
    """The files a form sent (empty file inputs are skipped); reads at most one byte too many."""
    uploads = []
    for item in files or []:
        data = item.file.read(settings.upload_max_file_bytes + 1)
        if not item.filename and not data:
            continue
        uploads.append(Upload(filename=item.filename or "file", data=data))
    return uploads
