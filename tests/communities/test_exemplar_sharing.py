"""Sharing the evidence of an earned micro-credential into its community, and withdrawing it."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import select

from app.errors import Conflict, NotFound
from app.kit.storage import storage_for
from app.models import (
    DefinitionStatus,
    EvidenceAttempt,
    EvidenceFile,
    Exemplar,
    JoinPolicy,
    MicroCredential,
    Submission,
    SubmissionStatus,
    User,
)
from app.services.communities import exemplar_sharing
from app.services.communities import membership as communities
from tests.communities.conftest import World, login
from tests.support import WebClient


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, format="PNG")
    return buffer.getvalue()


def earned_submission(db, settings, world: World, owner: User, status=SubmissionStatus.EARNED):
    definition = MicroCredential(
        organization_id=world.org.id,
        family_id=uuid.uuid4(),
        name="Formative Assessment",
        status=DefinitionStatus.PUBLISHED,
        evidence_requirements=[{"key": "reflection", "kind": "reflection", "label": "Reflection"}],
    )
    db.add(definition)
    db.flush()
    submission = Submission(
        organization_id=world.org.id,
        micro_credential_id=definition.id,
        user_id=owner.id,
        status=status,
    )
    attempt = EvidenceAttempt(
        number=1,
        responses={"reflection": "Exit tickets *changed* my lessons."},
        links=[{"url": "https://example.org/plan", "title": "Lesson plan"}],
    )
    submission.attempts.append(attempt)
    storage = storage_for(settings)
    for name, data, kind in (
        ("chart.png", png(), "image/png"),
        ("lesson.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32, "video/mp4"),
    ):
        attempt.files.append(
            EvidenceFile(
                storage_key=storage.save(data),
                filename=name,
                content_type=kind,
                size=len(data),
                sha256="0" * 64,
            )
        )
    db.add(submission)
    db.commit()
    return submission


@pytest.fixture
def badge_community(db, world: World, settings):
    submission = earned_submission(db, settings, world, world.ana)
    community = communities.create_community(
        db,
        world.org,
        world.coach,
        slug="formative",
        name="Formative assessment circle",
        join_policy=JoinPolicy.OPEN,
        attached_kind="micro_credential",
        attached_ref=str(submission.micro_credential.family_id),
    )
    db.commit()
    communities.join(db, communities.access(db, world.org, "formative", world.ana))
    db.commit()
    return community, submission


def test_options_name_the_community_and_the_files_left_out(db, world: World, badge_community):
    community, submission = badge_community
    sharing = exemplar_sharing.options(db, world.ana, submission)
    assert [c.id for c in sharing.communities] == [community.id]
    assert sharing.files_left_out == ["lesson.mp4"]
    assert exemplar_sharing.options(db, world.ben, submission).communities == []


def test_share_copies_the_final_attempt_and_withdraw_removes_it(
    web: WebClient, db, world: World, badge_community
) -> None:
    community, submission = badge_community
    login(web, world.ana.email)
    refused = web.post(
        f"/evidence/{submission.id}/exemplars", data={"community_id": str(community.id)}
    )
    assert refused.status_code == 422
    assert "agree" in refused.text
    response = web.post(
        f"/evidence/{submission.id}/exemplars",
        data={"community_id": str(community.id), "consent": "true"},
    )
    assert response.status_code == 303
    exemplar = db.scalar(select(Exemplar).where(Exemplar.evidence_ref == str(submission.id)))
    assert exemplar is not None
    assert "<em>changed</em>" in exemplar.reflection_html
    assert "https://example.org/plan" in exemplar.reflection_html
    assert [a.filename for a in exemplar.attachments] == ["chart.png"]
    sharing = exemplar_sharing.options(db, world.ana, submission)
    assert sharing.communities == []  # shared there already: not offered again
    assert [c.id for _, c in sharing.shared] == [community.id]
    gallery = web.get("/orgs/riverbend/communities/formative/exemplars")
    assert "Exit tickets" in gallery.text

    web.post(f"/evidence/{submission.id}/exemplars/{exemplar.id}/withdraw")
    db.expire_all()
    assert exemplar.withdrawn_at is not None
    assert "Exit tickets" not in web.page("/orgs/riverbend/communities/formative/exemplars")


def test_only_the_owner_of_earned_evidence_can_share(
    web: WebClient, db, world: World, settings, badge_community
) -> None:
    community, submission = badge_community
    communities.join(db, communities.access(db, world.org, "formative", world.ben))
    db.commit()
    login(web, world.ben.email)
    stolen = web.post(
        f"/evidence/{submission.id}/exemplars",
        data={"community_id": str(community.id), "consent": "true"},
    )
    assert stolen.status_code == 404
    pending = earned_submission(db, settings, world, world.ben, SubmissionStatus.SUBMITTED)
    with pytest.raises(Conflict, match="Earned"):
        exemplar_sharing.share(db, settings, world.ben, pending.id, community.id, consent=True)
    with pytest.raises(NotFound):
        exemplar_sharing.share(
            db, settings, world.outsider, submission.id, community.id, consent=True
        )
    assert db.scalar(select(Exemplar.id)) is None
