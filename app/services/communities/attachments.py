"""Files attached to community posts and resources, stored through the storage interface."""

from __future__ import annotations

import uuid
from typing import BinaryIO

from sqlalchemy.orm import Session

from app.errors import NotFound
from app.kit.storage import open_stored, storage_for
from app.kit.storage.transactions import discard_on_rollback
from app.kit.storage.uploads import Upload, check_uploads, clean_filename
from app.models import Attachment, PostStatus, User
from app.services.communities import membership as communities
from app.settings import Settings


def store(
    db: Session,
    settings: Settings,
    uploads: list[Upload],
    *,
    community_id: uuid.UUID,
    uploader: User,
    post_id: uuid.UUID | None = None,
    resource_id: uuid.UUID | None = None,
    exemplar_id: uuid.UUID | None = None,
) -> list[Attachment]:
    """Check every file, write them, then add their rows (files go if the transaction fails)."""
    types = check_uploads(settings, uploads)
    storage = storage_for(settings)
    rows = []
    for upload, content_type in zip(uploads, types, strict=True):
        key = storage.save(upload.rewound())
        discard_on_rollback(db, storage, key)
        row = Attachment(
            community_id=community_id,
            post_id=post_id,
            resource_id=resource_id,
            exemplar_id=exemplar_id,
            uploader_id=uploader.id,
            storage_key=key,
            filename=clean_filename(upload.filename),
            content_type=content_type,
            size=upload.size,
        )
        db.add(row)
        rows.append(row)
    return rows


def open_for(
    db: Session, settings: Settings, user: User, attachment_id: uuid.UUID
) -> tuple[Attachment, BinaryIO]:
    """An attachment and its bytes, for someone who may read where it is attached."""
    attachment = db.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("There is no such file.")
    ctx = communities.access_by_id(db, attachment.community_id, user)
    if not ctx.can_read:
        raise NotFound("There is no such file.")
    post = attachment.post
    if post is not None and post.status != PostStatus.VISIBLE and not ctx.can_moderate:
        raise NotFound("This file belongs to a post that is no longer shown.")
    exemplar = attachment.exemplar
    if exemplar is not None and exemplar.withdrawn_at is not None:
        raise NotFound("This exemplar was withdrawn.")
    return attachment, open_stored(settings, attachment.storage_key)
