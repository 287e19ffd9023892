"""All ORM models; importing this package registers every table on ``Base.metadata``."""

from app.models.audit import AuditEvent
from app.models.auth import AccessToken, EmailToken, LoginFailure, TokenPurpose, UserSession
from app.models.enrollment import (
    ActivityProgress,
    Enrollment,
    EnrollmentStatus,
    ModuleFeedback,
    QuizAttempt,
)
from app.models.module import (
    Activity,
    ActivityKind,
    Module,
    ModuleFormat,
    ModulePrerequisite,
    ModuleStandard,
    ModuleStatus,
    Section,
    Standard,
)
from app.models.organization import Invitation, Membership, Organization, OrgKind, Role
from app.models.outbox import OutboxMessage, OutboxStatus
from app.models.pathway import (
    LearnerProfile,
    Pathway,
    PathwayCompletion,
    PathwayStep,
    SelfRating,
)
from app.models.sso import OidcIdentity, OidcProvider
from app.models.user import User

__all__ = [
    "AccessToken",
    "Activity",
    "ActivityKind",
    "ActivityProgress",
    "AuditEvent",
    "EmailToken",
    "Enrollment",
    "EnrollmentStatus",
    "Invitation",
    "LearnerProfile",
    "LoginFailure",
    "Membership",
    "Module",
    "ModuleFeedback",
    "ModuleFormat",
    "ModulePrerequisite",
    "ModuleStandard",
    "ModuleStatus",
    "OidcIdentity",
    "OidcProvider",
    "OrgKind",
    "Organization",
    "OutboxMessage",
    "OutboxStatus",
    "Pathway",
    "PathwayCompletion",
    "PathwayStep",
    "QuizAttempt",
    "Role",
    "Section",
    "SelfRating",
    "Standard",
    "TokenPurpose",
    "User",
    "UserSession",
]
