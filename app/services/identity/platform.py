"""Platform operations: platform administrators."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.db import utcnow
from app.kit import audit
from app.models import User
from app.services.identity import passwords
from app.services.identity.accounts import clean_display_name, find_by_email, normalize_email


def create_platform_admin(db: Session, *, email: str, name: str, password: str) -> User:
    """Create a verified platform administrator, or promote the account with this e-mail."""
    address = normalize_email(email)
    passwords.check_password_rules(password, email=address)
    user = find_by_email(db, address)
    if user is None:
        user = User(email=address, display_name=clean_display_name(name))
        db.add(user)
    user.password_hash = passwords.hash_password(password)
    user.is_platform_admin = True
    user.email_verified_at = user.email_verified_at or utcnow()
    db.flush()
    audit.record(db, "platform_admin.created", user, actor=None)
    return user
