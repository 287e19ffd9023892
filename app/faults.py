"""Test-only fault points: named places where the fault-injection suite stalls a request.

``LAUREL_FAULT_POINTS`` lists ``name=action`` pairs (comma-separated); unset, as in every real
deployment, each point returns at once. ``stall`` writes the rows so far and sleeps inside the
open transaction; ``stall-after-commit`` sleeps once the transaction has committed, before the
response is sent. Either way the test kills the worker there (tests/security/test_faults.py).
Points are ignored when ``LAUREL_ENVIRONMENT`` is ``production``.
"""

from __future__ import annotations

import functools
import logging
import os
import time

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

ENV = "LAUREL_FAULT_POINTS"
STALL_SECONDS = 600.0
POINTS = frozenset({"community.reply", "credential.signed"})


def _action(name: str) -> str | None:
    spec = os.environ.get(ENV, "")
    if not spec or os.environ.get("LAUREL_ENVIRONMENT") == "production":
        return None
    actions = dict(part.split("=", 1) for part in spec.split(",") if "=" in part)
    return actions.get(name)


def _stall(name: str) -> None:
    log.warning("fault point reached: %s", name)
    time.sleep(STALL_SECONDS)


def point(db: Session, name: str) -> None:
    """Stall here (``stall``) or after this transaction commits (``stall-after-commit``) when
    the environment asks for it; otherwise do nothing."""
    assert name in POINTS, name
    action = _action(name)
    if action == "stall":
        db.flush()
        _stall(name)
    elif action == "stall-after-commit":
        event.listen(db, "after_commit", functools.partial(_stall_when_committed, name))


def _stall_when_committed(name: str, session: Session) -> None:
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active:  # the request's commit, not a savepoint's
        _stall(name)
