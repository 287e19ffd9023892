"""Passwords, CSRF tokens, secret encryption and role policy (no database)."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from app.errors import Invalid
from app.kit.tokens import SecretBox
from app.models import Membership, Organization, Role, User
from app.services.identity.passwords import check_password_rules, hash_password, verify_password
from app.services.orgs.permissions import can_manage_members, has_role
from app.web import csrf

CALL = re.compile(r"(?<!def )use_test_cost\(\)")


def test_passwords_are_argon2id_and_verify() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$v=19$m=1024,t=1,p=1$")  # the suite's cheap parameters
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "correct horse batterY")
    assert not verify_password(None, "anything at all")


@pytest.mark.parametrize("weak", ["short", "password123", "zzzzzzzzzzzz", "me@school.org"])
def test_weak_passwords_are_refused(weak) -> None:
    with pytest.raises(Invalid):
        check_password_rules(weak, email="me@school.org")


def test_csrf_token_is_bound_to_cookie_and_secret() -> None:
    token = csrf.form_token("secret-a", "cookie-1")
    assert csrf.is_valid("secret-a", "cookie-1", token)
    assert not csrf.is_valid("secret-b", "cookie-1", token)
    assert not csrf.is_valid("secret-a", "cookie-2", token)
    assert not csrf.is_valid("secret-a", None, token)


def test_secret_box_round_trip_and_wrong_key() -> None:
    box = SecretBox("master-secret", "purpose")
    sealed = box.encrypt("client-secret")
    assert "client-secret" not in sealed
    assert box.decrypt(sealed) == "client-secret"
    with pytest.raises(ValueError, match="cannot be decrypted"):
        SecretBox("other-secret", "purpose").decrypt(sealed)


def _user(role: Role | None, platform_admin: bool = False) -> tuple[User, uuid.UUID]:
    org = Organization(id=uuid.uuid4(), slug="x", name="X")
    user = User(email="u@x.org", display_name="U", is_platform_admin=platform_admin)
    if role:
        user.memberships = [Membership(organization_id=org.id, organization=org, role=role)]
    return user, org.id


@pytest.mark.parametrize(
    ("role", "minimum", "allowed"),
    [
        (Role.TEACHER, Role.COACH, False),
        (Role.COACH, Role.COACH, True),
        (Role.ADMIN, Role.COACH, True),
        (None, Role.TEACHER, False),
    ],
)
def test_role_ranks(role, minimum, allowed) -> None:
    user, org_id = _user(role)
    assert has_role(user, org_id, minimum) is allowed


def test_platform_admin_acts_as_admin_everywhere() -> None:
    user, org_id = _user(None, platform_admin=True)
    assert can_manage_members(user, org_id)


def test_only_the_test_suite_lowers_the_password_hashing_cost() -> None:
    """Outside the suite, hashes use argon2id's recommended parameters, and nothing in app/ calls
    the switch."""
    app_dir = Path(__file__).resolve().parents[2] / "app"
    sources = list(app_dir.rglob("*.py"))
    callers = [p for p in sources if CALL.search(p.read_text(encoding="utf-8"))]
    assert len(sources) > 100
    assert callers == []
    script = (
        "from app.services.identity.passwords import hash_password; "
        "print(hash_password('a-long-pass'))"
    )
    hashed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
