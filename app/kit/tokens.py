"""Random tokens, their stored hashes, and symmetric encryption of stored secrets."""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest stored in place of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def derive_key(secret: str, purpose: str) -> bytes:
    """Derive a 32-byte key for one purpose from the master secret (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret.encode()
    )


class SecretBox:
    """Authenticated encryption (Fernet) of secrets stored in the database."""

    def __init__(self, secret: str, purpose: str) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(derive_key(secret, purpose)))

    def encrypt(self, plaintext: str) -> str:
        """Encrypt text for storage."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Decrypt stored text; raises ValueError when it was not made with this key."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("stored secret cannot be decrypted with the configured key") from exc
