"""Versioning once evidence exists, and the credential a definition becomes when awarded."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from app.db import utcnow
from app.errors import Conflict
from app.kit.storage.uploads import Upload
from app.models import (
    AwardStatus,
    Decision,
    EvidenceAttempt,
    MicroCredential,
    Review,
    ReviewKind,
    ReviewScore,
    Submission,
    SubmissionStatus,
)
from app.services.credentials import awards, downloads, issuer
from app.services.credentials.remote_documents import DocumentCache
from app.services.credentials.verification import verify_credential
from app.services.microcredentials import definition_images
from app.services.microcredentials import definitions as microcredentials
from badges import schema_errors, unbake
from tests.interop.verifiers import openbadgeslib_issuer
from tests.microcredentials.support import admin_of, fields, make_definition, png
from tests.support import make_org, make_user


@pytest.fixture
def org(db):
    return make_org(db)


def submit(db, definition, user) -> Submission:
    submission = Submission(
        organization_id=definition.organization_id,
        micro_credential_id=definition.id,
        user_id=user.id,
        status=SubmissionStatus.SUBMITTED,
        submitted_at=utcnow(),
    )
    db.add(submission)
    db.flush()
    return submission


def test_edits_in_place_until_someone_submits_then_versions(db, settings, org) -> None:
    definition = make_definition(db, org, settings)
    admin = admin_of(db, org)
    saved = microcredentials.update(db, settings, admin, definition, fields(name="Renamed"))
    assert not saved.new_version
    assert saved.definition.id == definition.id
    teacher = make_user(db, "ada@riverbend.org", org=org)
    submit(db, definition, teacher)
    db.commit()

    saved = microcredentials.update(
        db, settings, admin, definition, fields(name="Renamed again", pass_value=4)
    )
    db.commit()
    assert saved.new_version
    new = saved.definition
    assert (new.family_id, new.version, new.is_current) == (definition.family_id, 2, True)
    assert new.status == definition.status  # a published definition stays offered
    db.refresh(definition)
    assert definition.is_current is False
    assert (definition.name, definition.pass_value) == ("Renamed", 3)  # frozen as judged
    assert [v.version for v in microcredentials.history(db, new)] == [2, 1]
    assert microcredentials.catalog(db, teacher) == [new]
    with pytest.raises(Conflict):
        microcredentials.update(db, settings, admin, definition, fields())


def test_new_version_keeps_the_old_image_file(db, settings, org) -> None:
    admin = admin_of(db, org)
    definition = microcredentials.create(
        db, settings, admin, org, fields(), Upload("a.png", png(color="red"))
    )
    db.commit()
    submit(db, definition, make_user(db, "ada@riverbend.org", org=org))
    db.commit()
    saved = microcredentials.update(
        db, settings, admin, definition, fields(), Upload("b.png", png(color="blue"))
    )
    db.commit()
    assert definition_images.image(settings, definition)[0] == png(color="red")
    assert definition_images.image(settings, saved.definition)[0] == png(color="blue")


def earned(db, settings, org, definition):
    """A teacher whose evidence a coach judged Earned (levels 3, 4, 3), and the award."""
    teacher = make_user(db, "ada@riverbend.org", org=org)
    submission = submit(db, definition, teacher)
    attempt = EvidenceAttempt(submission_id=submission.id, number=1, submitted_at=utcnow())
    db.add(attempt)
    db.flush()
    review = Review(
        organization_id=org.id,
        attempt_id=attempt.id,
        kind=ReviewKind.PRIMARY,
        decision=Decision.EARNED,
        turnaround_seconds=60,
        scores=[
            ReviewScore(criterion="c1", level=3, points=3),
            ReviewScore(criterion="c2", level=4, points=4),
            ReviewScore(criterion="c3", level=3, points=3),
        ],
    )
    db.add(review)
    db.flush()
    award = awards.record_award(
        db, settings, user=teacher, definition=definition, submission=submission
    )
    db.commit()
    return teacher, award


def test_awarded_credential_carries_the_definition(db, settings, org) -> None:
    admin = admin_of(db, org)
    definition = microcredentials.create(
        db, settings, admin, org, fields(validity_months="12"), Upload("a.png", png())
    )
    microcredentials.publish(db, admin, definition)
    db.commit()
    teacher, award = earned(db, settings, org, definition)
    assert award.status == AwardStatus.ISSUED
    credential = award.credential.credential_json
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    assert schema_errors(unsigned) == []
    achievement = credential["credentialSubject"]["achievement"]
    url = f"http://testserver/micro-credentials/{definition.id}"
    assert achievement["id"] == url
    assert achievement["image"]["id"] == f"{url}/image"
    assert achievement["tag"] == ["Formative assessment", "Feedback"]
    assert achievement["creditsAvailable"] == 3.0
    assert achievement["alignment"][0]["targetCode"] == "7a"
    first = achievement["resultDescription"][0]
    assert first["id"] == f"{url}#criterion-c1"
    assert first["resultType"] == "RubricCriterionLevel"
    assert first["requiredLevel"] == f"{url}#criterion-c1-level-3"
    names = [lv["name"] for lv in first["rubricCriterionLevel"]]
    assert names == ["Beginning", "Developing", "Proficient", "Exemplary"]
    results = credential["credentialSubject"]["result"]
    assert results[1]["resultDescription"] == f"{url}#criterion-c2"
    assert results[1]["achievedLevel"] == f"{url}#criterion-c2-level-4"
    level_ids = {
        lv["id"] for rd in achievement["resultDescription"] for lv in rd["rubricCriterionLevel"]
    }
    assert all(r["achievedLevel"] in level_ids for r in results)
    assert "validUntil" in credential
    assert award.credential.valid_until - award.awarded_at > timedelta(days=360)

    report = verify_credential(db, settings, DocumentCache(0), credential, teacher.email)
    assert report.valid, report.checks
    jwt_report = verify_credential(db, settings, DocumentCache(0), award.credential.credential_jwt)
    assert jwt_report.valid, jwt_report.checks

    baked = downloads.render(award.credential, "png")
    assert unbake(baked.content) is not None
    with Image.open(io.BytesIO(baked.content)) as picture:  # the definition's own image
        assert picture.size == (64, 64)
        assert picture.convert("RGB").getpixel((1, 1)) == (0, 128, 128)
    svg = downloads.render(award.credential, "svg").content
    assert b"data:image/png;base64," in svg


def test_openbadgeslib_verifies_an_awarded_credential(db, settings, org) -> None:
    definition = make_definition(db, org, settings)
    _, award = earned(db, settings, org, definition)
    found = openbadgeslib_issuer(db, settings, org, award.credential.credential_jwt)
    assert found == issuer.org_did(settings, org)


def test_signing_failure_leaves_a_visible_pending_award_that_retry_fixes(
    db, settings, org, monkeypatch
) -> None:
    definition = make_definition(db, org, settings)
    teacher = make_user(db, "ada@riverbend.org", org=org)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the key vault is unreachable")

    monkeypatch.setattr(issuer, "current_keys", broken)
    award = awards.record_award(db, settings, user=teacher, definition=definition)
    db.commit()
    assert award.status == AwardStatus.FAILED
    assert awards.unsigned_for_user(db, teacher) == [award]
    monkeypatch.undo()
    awards.retry_pending(db, settings, org)
    db.commit()
    assert award.status == AwardStatus.ISSUED
    assert awards.unsigned_for_organization(db, org) == []
    assert awards.record_award(db, settings, user=teacher, definition=definition) is award


def test_achievement_json_is_public_only_once_published(web, db, settings, org) -> None:
    draft = make_definition(db, org, settings, publish=False, name="Draft one")
    published = make_definition(db, org, settings)
    headers = {"Accept": "application/ld+json"}
    assert web.get(f"/micro-credentials/{draft.id}", headers=headers).status_code == 404
    response = web.get(f"/micro-credentials/{published.id}", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    document = response.json()
    assert document["type"] == ["Achievement"]
    assert "https://www.w3.org/ns/credentials/v2" in document["@context"]
    assert document["criteria"]["narrative"].startswith("Submit a lesson plan")
    assert len(document["resultDescription"]) == 3
    image = web.get(f"/micro-credentials/{published.id}/image")
    assert image.headers["content-type"].startswith("image/svg+xml")
    assert b"<script" not in image.content
    assert db.scalar(select(MicroCredential).where(MicroCredential.id == draft.id)) is not None
