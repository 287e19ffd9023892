"""All ORM models; importing this package registers every table on ``Base.metadata``."""

from app.models.audit import AuditEvent
from app.models.auth import AccessToken, EmailToken, LoginFailure, TokenPurpose, UserSession
from app.models.credential import IssuedCredential, RateCounter, SigningKey, StatusList
from app.models.organization import Invitation, Membership, Organization, OrgKind, Role
from app.models.outbox import OutboxMessage, OutboxStatus
from app.models.sso import OidcIdentity, OidcProvider
from app.models.user import User

__all__ = [
    "AccessToken",
    "AuditEvent",
    "EmailToken",
    "Invitation",
    "IssuedCredential",
    "LoginFailure",
    "Membership",
    "OidcIdentity",
    "OidcProvider",
    "OrgKind",
    "Organization",
    "OutboxMessage",
    "OutboxStatus",
    "RateCounter",
    "Role",
    "SigningKey",
    "StatusList",
    "TokenPurpose",
    "User",
    "UserSession",
]
