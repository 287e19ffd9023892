"""Passwords, CSRF tokens, secret encryption and role policy (no database)."""

from __future__ import annotations

import uuid

import pytest

from app.errors import Invalid
from app.kit.tokens import SecretBox
from app.models import Membership, Organization, Role, User
from app.services.identity.passwords import check_password_rules, hash_password, verify_password
from app.services.orgs.permissions import can_manage_members, has_role
from app.web import csrf


def test_passwords_are_argon2id_and_verify() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
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
