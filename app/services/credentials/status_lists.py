"""Bitstring Status Lists: index allocation, revocation bits, and the signed list credential."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict
from app.kit import links
from app.models import Organization, StatusList
from app.services.credentials import issuer
from app.settings import Settings
from badges import StatusList as Bits
from badges import issue_status_list, status_entry

LIST_SIZE = 131_072  # the minimum the spec allows, for herd privacy
PURPOSE = "revocation"
MAX_SEQUENCE = 2**31 - 1  # the integer column's range on every database


def list_url(settings: Settings, org: Organization, status_list: StatusList) -> str:
    """Where the signed list credential is served."""
    return links.STATUS_LIST.absolute(
        settings.base_url, slug=org.slug, sequence=status_list.sequence
    )


def _new_list(
    db: Session, settings: Settings, org: Organization, sequence: int
) -> StatusList | None:
    """A new signed list, or None when another process created this sequence first."""
    status_list = StatusList(
        organization_id=org.id,
        purpose=PURPOSE,
        sequence=sequence,
        size=LIST_SIZE,
        bits=bytes(LIST_SIZE // 8),
        offset=secrets.randbelow(LIST_SIZE),
        stride=secrets.randbelow(LIST_SIZE // 2) * 2 + 1,  # odd, so coprime with 2**17
    )
    try:
        with db.begin_nested():
            db.add(status_list)
            db.flush()
            sign(db, settings, status_list)  # signed before any credential points at it
    except IntegrityError:
        return None
    return status_list


def _latest(db: Session, org: Organization) -> StatusList | None:
    return db.scalar(
        select(StatusList)
        .where(StatusList.organization_id == org.id, StatusList.purpose == PURPOSE)
        .order_by(StatusList.sequence.desc())
        .limit(1)
    )


def _open_list(db: Session, settings: Settings, org: Organization) -> StatusList:
    latest = _latest(db, org)
    if latest is not None and latest.allocated < latest.size:
        return latest
    created = _new_list(db, settings, org, (latest.sequence + 1) if latest else 1)
    if created is not None:
        return created
    winner = _latest(db, org)  # another process created it; use theirs
    if winner is None:
        raise Conflict("Could not create a status list; try again.")
    return winner


def allocate(
    db: Session, settings: Settings, org: Organization
) -> tuple[StatusList, int, dict[str, Any]]:
    """Claim the next index atomically (safe across processes); return list, index and entry."""
    for _ in range(3):
        status_list = _open_list(db, settings, org)
        claimed = db.execute(
            update(StatusList)
            .where(StatusList.id == status_list.id, StatusList.allocated < StatusList.size)
            .values(allocated=StatusList.allocated + 1)
            .returning(StatusList.allocated)
        ).scalar_one_or_none()
        if claimed is not None:
            db.refresh(status_list)
            index = (status_list.offset + (claimed - 1) * status_list.stride) % status_list.size
            entry = status_entry(list_url(settings, org, status_list), index, PURPOSE)
            return status_list, index, entry
    raise Conflict("Could not reserve a status list entry; try again.")


def set_bit(
    db: Session, settings: Settings, status_list: StatusList, index: int, revoked: bool
) -> None:
    """Set or clear a credential's bit and re-sign the list credential.

    The row's bits are locked and re-read first, so two revocations in the same list never overwrite
    each other's bit."""
    current = db.scalars(
        select(StatusList.bits).where(StatusList.id == status_list.id).with_for_update()
    ).one()
    bits = Bits(status_list.size, current)
    bits.set(index, revoked)
    status_list.bits = bits.to_bytes()
    sign(db, settings, status_list)


def sign(db: Session, settings: Settings, status_list: StatusList) -> dict[str, Any]:
    """Sign the current bits as a BitstringStatusListCredential and cache it on the row."""
    org = status_list.organization
    keys = issuer.current_keys(db, settings, org)
    signed = issue_status_list(
        list_url(settings, org, status_list),
        issuer.org_did(settings, org),
        Bits(status_list.size, status_list.bits),
        keys.data_integrity,
        purpose=status_list.purpose,
    )
    assert isinstance(signed, dict)
    status_list.signed_credential = signed
    status_list.updated_at = utcnow()
    return signed


def signed_list(db: Session, org: Organization, sequence: int) -> dict[str, Any] | None:
    """The signed list credential to serve (signed when created and on every change); None for a
    sequence no list can have (beyond a database integer, as a URL may say)."""
    if not 0 <= sequence <= MAX_SEQUENCE:
        return None
    status_list = db.scalar(
        select(StatusList).where(
            StatusList.organization_id == org.id, StatusList.sequence == sequence
        )
    )
    if status_list is None:
        return None
    return status_list.signed_credential
