"""Password hashing (argon2id) and the password rules shown to people."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.errors import Invalid
from app.kit.i18n import lazy_gettext as _l

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password12",
        "password123",
        "1234567890",
        "123456789",
        "12345678910",
        "qwertyuiop",
        "iloveyou12",
        "letmein123",
        "welcome123",
        "teacher123",
        "changeme12",
        "administrator",
        "passw0rd12",
        "abcdefghij",
        "0987654321",
        "1111111111",
    }
)

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# Verifying against this hash when an account does not exist keeps timing uniform.
_DUMMY_HASH = _hasher.hash("laurel-timing-equaliser")


def use_test_cost() -> None:
    """Switch to argon2id with minimal work (1 pass, 1 MiB, 1 lane). Only the test suite calls
    this, where thousands of sign-ins would otherwise spend a fifth of the run hashing; the
    algorithm and every code path stay the same. Nothing in ``app`` calls it."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _DUMMY_HASH = _hasher.hash("laurel-timing-equaliser")


def check_password_rules(password: str, *, email: str = "") -> None:
    """Raise Invalid with a helpful message when a password is too weak."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            _l("Use at least %(count)s characters for your password.", count=MIN_PASSWORD_LENGTH),
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(
            _l("Use at most %(count)s characters for your password.", count=MAX_PASSWORD_LENGTH),
            field="password",
        )
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        raise Invalid(_l("That password is too easy to guess; choose another."), field="password")
    if email and lowered == email.lower():
        raise Invalid(_l("Your password must not be your e-mail address."), field="password")


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; spends the same time when there is no hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash used older parameters."""
    return _hasher.check_needs_rehash(password_hash)
