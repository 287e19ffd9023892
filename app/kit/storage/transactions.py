"""Stored files kept in step with the database transaction that points to them."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.kit.storage.protocol import Storage


def discard_on_rollback(db: Session, storage: Storage, key: str) -> None:
    """Delete the stored file if the session's transaction is rolled back instead of committed."""
    state = {"settled": False}

    def committed(_session: Session) -> None:
        state["settled"] = True

    def rolled_back(_session: Session, previous: SessionTransaction) -> None:
        if not state["settled"] and not previous.nested:
            state["settled"] = True
            storage.delete(key)

    event.listen(db, "after_commit", committed, once=True)
    event.listen(db, "after_soft_rollback", rolled_back)


def delete_after_commit(db: Session, storage: Storage, key: str) -> None:
    """Delete a stored file once the transaction that stopped pointing to it has committed."""

    def committed(_session: Session) -> None:
        storage.delete(key)

    event.listen(db, "after_commit", committed, once=True)
