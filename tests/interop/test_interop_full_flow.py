"""A credential earned through the whole flow (evidence → coach decides Earned) verifies in our
verifier, passes the official OB 3.0 schema, and verifies in openbadgeslib and Digital Bazaar."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Award, AwardStatus, IssuedCredential
from app.services.credentials import issuer
from badges import schema_errors
from tests.interop.verifiers import digital_bazaar_answer, openbadgeslib_issuer
from tests.review.support import make_world, review_form, submit_evidence
from tests.support import WebClient


@pytest.fixture
def earned(web: WebClient, web2: WebClient, db) -> IssuedCredential:
    world = make_world(db)
    web.sign_in(world.teacher.email)
    submitted = submit_evidence(web, world.definition)
    assert submitted.status_code == 303
    submission_id = submitted.headers["location"].rsplit("/", 1)[1]
    web2.sign_in(world.coach.email)
    decided = web2.post(
        f"/review/{submission_id}/decision", review_form(1, "earned", (3, 4, 3), "Well done.")
    )
    assert decided.status_code == 303, decided.text
    db.expire_all()
    award = db.scalar(select(Award).where(Award.user_id == world.teacher.id))
    assert award is not None
    assert award.status == AwardStatus.ISSUED
    assert award.credential is not None
    return award.credential


def test_our_verifier_and_the_official_schema_accept_it(web: WebClient, earned) -> None:
    unsigned = {k: v for k, v in earned.credential_json.items() if k != "proof"}
    assert schema_errors(unsigned) == []
    for credential in (earned.credential_json, earned.credential_jwt):
        answer = web.client.post(
            "/api/v1/verify", json={"credential": credential, "email": earned.recipient_email}
        )
        assert answer.status_code == 200
        report = answer.json()
        assert report["valid"] is True, report["checks"]
        assert [c["code"] for c in report["checks"] if not c["passed"]] == []
    results = earned.credential_json["credentialSubject"]["result"]
    assert len(results) == 3
    assert all("achievedLevel" in r for r in results)


def test_openbadgeslib_verifies_it(db, settings, earned) -> None:
    found = openbadgeslib_issuer(db, settings, earned.organization, earned.credential_jwt)
    assert found == issuer.org_did(settings, earned.organization)


def test_digital_bazaar_verifies_it(db, settings, earned) -> None:
    answer = digital_bazaar_answer(db, settings, earned.organization, earned.credential_json)
    assert answer["verified"] is True, answer
