"""Exemplars: shared with consent into the credential's community, and withdrawable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import Conflict, Forbidden, Invalid
from app.kit.storage import storage_for
from app.kit.storage.uploads import Upload
from app.models import Attachment, Exemplar, JoinPolicy
from app.services.communities import exemplars
from app.services.communities import membership as communities
from tests.communities.conftest import BASE, World, count, login
from tests.support import WebClient


@pytest.fixture
def badge_community(db, world: World):
    community = communities.create_community(
        db, world.org, world.coach, slug="mc-reading", name="Reading coach credential",
        join_policy=JoinPolicy.OPEN, attached_kind="micro_credential", attached_ref="mc-42",
    )  # fmt: skip
    db.commit()
    ctx = communities.access(db, world.org, "mc-reading", world.ana)
    communities.join(db, ctx)
    db.commit()
    return community


def evidence(world: World, **changes) -> exemplars.EarnedEvidence:
    values = {
        "credential_kind": "micro_credential", "credential_ref": "mc-42", "evidence_ref": "sub-1",
        "owner_id": world.ana.id, "title": "Guided reading video notes",
        "reflection": "What I *changed*", "files": [Upload("notes.txt", b"My notes")],
    }  # fmt: skip
    return exemplars.EarnedEvidence(**(values | changes))


def test_share_needs_consent_ownership_and_the_right_community(
    db, world: World, settings, badge_community
) -> None:
    ctx = communities.access(db, world.org, "mc-reading", world.ana)
    with pytest.raises(Invalid, match="agree"):
        exemplars.share(db, settings, ctx, evidence(world), consent=False)
    with pytest.raises(Forbidden):
        exemplars.share(db, settings, ctx, evidence(world, owner_id=world.ben.id), consent=True)
    with pytest.raises(Conflict, match="community of their micro-credential"):
        exemplars.share(db, settings, ctx, evidence(world, credential_ref="mc-1"), consent=True)
    shared = exemplars.share(db, settings, ctx, evidence(world), consent=True)
    db.commit()
    with pytest.raises(Conflict, match="already shared"):
        exemplars.share(db, settings, ctx, evidence(world), consent=True)
    assert "<em>changed</em>" in shared.reflection_html
    assert count(db, Attachment) == 1


def test_gallery_shows_it_and_withdrawal_deletes_the_copy(
    web: WebClient, web2: WebClient, db, world: World, settings, badge_community
) -> None:
    ctx = communities.access(db, world.org, "mc-reading", world.ana)
    shared = exemplars.share(db, settings, ctx, evidence(world), consent=True)
    db.commit()
    key = db.scalar(select(Attachment.storage_key))
    login(web2, "ben@school.org")
    gallery = web2.get(f"{BASE}/mc-reading/exemplars")
    assert "Guided reading video notes" in gallery.text
    withdraw = f"{BASE}/mc-reading/exemplars/{shared.id}/withdraw"
    assert withdraw not in gallery.text
    file_id = db.scalar(select(Attachment.id))
    assert web2.get(f"/files/{file_id}").content == b"My notes"
    assert web2.post(f"{BASE}/mc-reading/exemplars/{shared.id}/withdraw").status_code == 403
    login(web, "ana@school.org")
    assert withdraw in web.get(f"{BASE}/mc-reading/exemplars").text
    assert web.post(withdraw).status_code == 303
    db.expire_all()
    assert db.get(Exemplar, shared.id).withdrawn_at is not None
    assert count(db, Attachment) == 0
    assert not storage_for(settings).exists(key)
    assert "No exemplars shared yet" in web2.get(f"{BASE}/mc-reading/exemplars").text
