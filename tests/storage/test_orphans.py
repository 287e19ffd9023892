"""Orphan files: a crash between writing a file and its row leaves no row, and the clean-up
command removes the file (but never referenced or young files, and nothing on a dry run)."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.kit.storage import storage_for
from app.kit.storage.local import LocalStorage
from app.kit.storage_gc import clean_orphans
from app.models import Attachment, CommunityMember, Post, Role
from app.services.communities import attachments
from app.services.communities import membership as communities
from app.services.communities import search as community_search
from app.settings import Settings
from tests.communities.conftest import login
from tests.support import WebClient, make_org, make_user

THREADS = "/orgs/riverbend/communities/math/threads"


def png_bytes(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if request.param == "s3":
        return request.getfixturevalue("s3_settings")
    return settings


def crash(*_args: object, **_kwargs: object) -> None:
    raise SystemError("killed")


def test_crash_before_commit_leaves_an_orphan_that_the_clean_up_removes(
    web: WebClient, db, backend: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = make_org(db)
    coach = make_user(db, "coach@school.org", org=org, role=Role.COACH)
    ana = make_user(db, "ana@school.org", org=org)
    community = communities.create_community(db, org, coach, slug="math", name="Math circle")
    db.add(CommunityMember(community_id=community.id, user_id=ana.id))
    db.commit()
    login(web, "ana@school.org")
    kept = web.post(
        THREADS,
        {"title": "Plan", "body": "ok"},
        files=[("files", ("a.png", png_bytes("red"), "image/png"))],
    )
    assert kept.status_code == 303
    # The process dies after writing the file and before the commit: no rollback hook runs.
    monkeypatch.setattr(attachments, "discard_on_rollback", lambda *_args: None)
    monkeypatch.setattr(community_search, "add", crash)
    with pytest.raises(SystemError, match="killed"):
        web.post(
            THREADS,
            {"title": "Second", "body": "boom"},
            files=[("files", ("b.png", png_bytes("blue"), "image/png"))],
        )
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Post)) == 1
    referenced_key = db.scalar(select(Attachment.storage_key))
    storage = storage_for(backend)
    stored = {f.key for f in storage.list_files()}
    assert len(stored) == 2
    (orphan,) = stored - {referenced_key}

    fresh = clean_orphans(db, storage)
    assert (fresh.young, fresh.orphans, fresh.removed) == (2, [], 0)

    later = datetime.now(UTC) + timedelta(hours=25)
    dry = clean_orphans(db, storage, now=later, dry_run=True)
    assert [f.key for f in dry.orphans] == [orphan]
    assert dry.removed == 0
    assert dry.referenced == 1
    assert storage.exists(orphan)

    done = clean_orphans(db, storage, now=later)
    assert done.removed == 1
    assert done.orphan_bytes == len(png_bytes("blue"))
    assert not storage.exists(orphan)
    assert storage.exists(referenced_key)
    attachment = db.scalar(select(Attachment))
    assert web.get(f"/files/{attachment.id}").content == png_bytes("red")


def age(root: Path, key: str, hours: float) -> None:
    stamp = time.time() - hours * 3600
    os.utime(root / key, (stamp, stamp))


def test_clean_orphans_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from app import migrate
    from app.cli import cli

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url)
    monkeypatch.setenv("LAUREL_DATABASE_URL", url)
    monkeypatch.setenv("LAUREL_DATA_DIR", str(tmp_path))
    storage = LocalStorage(tmp_path / "uploads")
    old, young = storage.save(b"old bytes"), storage.save(b"young")
    age(storage.root, old, 30)
    age(storage.root, young, 2)

    dry = CliRunner().invoke(cli, ["storage", "clean-orphans", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would remove 1 orphan file(s), 9 bytes" in dry.output
    assert storage.exists(old)

    real = CliRunner().invoke(cli, ["storage", "clean-orphans"])
    assert real.exit_code == 0, real.output
    assert "Removed 1 orphan file(s), 9 bytes" in real.output
    assert not storage.exists(old)
    assert storage.exists(young)

    shorter = CliRunner().invoke(cli, ["storage", "clean-orphans", "--older-than-hours", "1"])
    assert "Removed 1 orphan file(s), 5 bytes" in shorter.output
    assert not storage.exists(young)
    refused = CliRunner().invoke(cli, ["storage", "clean-orphans", "--older-than-hours", "-1"])
    assert refused.exit_code == 2  # click: usage error
