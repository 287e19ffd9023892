"""Running community actions at the same moment on real separate connections.

SQLite has one writer: a transaction that read before another committed is refused as "busy"
(the app answers 503); these helpers then start it again from the top, as the person would.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.errors import AppError

Prepare = Callable[[Session], Any]
Act = Callable[[Session, Any], Any]
ATTEMPTS = 200


def _run(engine: Engine, prepare: Prepare, act: Act, before_act: Callable[[], None]) -> Any:
    """``prepare`` then ``act`` in one transaction; returns what ``act`` returned or the AppError
    it raised (rolled back). ``before_act`` runs between the two on the first attempt only."""
    for attempt in range(ATTEMPTS):
        with Session(engine, expire_on_commit=False) as db:
            try:
                state = prepare(db)
                if attempt == 0:
                    before_act()
                result = act(db, state)
                db.commit()
                return result
            except OperationalError:
                db.rollback()
                time.sleep(random.uniform(0.001, 0.02))
            except AppError as refused:
                db.rollback()
                return refused
    raise AssertionError(f"still busy after {ATTEMPTS} attempts")


def all_at_once(engine: Engine, steps: list[tuple[Prepare, Act]]) -> list[Any]:
    """Everyone prepares (reads), waits for the others, then acts; one result per step."""
    results: list[Any] = [None] * len(steps)
    barrier = threading.Barrier(len(steps), timeout=60)

    def work(index: int) -> None:
        prepare, act = steps[index]
        try:
            results[index] = _run(engine, prepare, act, barrier.wait)
        except BaseException as exc:  # shown by the test's assertion, not lost in the thread
            results[index] = exc

    workers = [threading.Thread(target=work, args=(i,)) for i in range(len(steps))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return results


def after_other_commits(engine: Engine, prepare: Prepare, act: Act, other: Act) -> Any:
    """``prepare`` reads; ``other`` then runs and commits in its own session; then ``act``
    continues the first transaction with what it read."""

    def interlude() -> None:
        with Session(engine, expire_on_commit=False) as db:
            other(db, None)
            db.commit()

    return _run(engine, prepare, act, interlude)


def while_other_holds(engine: Engine, holder: Act, prepare: Prepare, act: Act) -> Any:
    """``holder`` writes in a session left uncommitted while ``prepare``/``act`` run in a thread;
    half a second later the holder commits. Returns the thread's result."""
    result: list[Any] = []
    with Session(engine, expire_on_commit=False) as held:
        holder(held, None)
        held.flush()
        worker = threading.Thread(target=lambda: result.append(_run(engine, prepare, act, _noop)))
        worker.start()
        time.sleep(0.5)
        held.commit()
    worker.join(timeout=60)
    assert result, "the second action did not finish"
    return result[0]


def _noop() -> None:
    return None
