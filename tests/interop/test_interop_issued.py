"""Credentials issued through the app verify in other implementations, not only in ours."""

from __future__ import annotations

import pytest

from app.models import Role
from app.services.credentials import issuer
from tests.credentials_support import issue_to
from tests.interop.verifiers import digital_bazaar_answer, openbadgeslib_issuer
from tests.support import make_org, make_user


@pytest.fixture
def issued(db, settings):
    org = make_org(db)
    make_user(db, "boss@riverbend.org", org=org, role=Role.ADMIN)
    teacher = make_user(db, "ada@riverbend.org", org=org)
    return issue_to(db, settings, org, teacher)


def test_openbadgeslib_verifies_our_vc_jwt(db, settings, issued) -> None:
    found = openbadgeslib_issuer(db, settings, issued.organization, issued.credential_jwt)
    assert found == issuer.org_did(settings, issued.organization)


def test_digital_bazaar_verifies_our_data_integrity_proof(db, settings, issued) -> None:
    answer = digital_bazaar_answer(db, settings, issued.organization, issued.credential_json)
    assert answer["verified"] is True, answer
