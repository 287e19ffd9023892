"""Typed OB 3.0 models (VC Data Model 2.0 form). ``to_json()`` gives the wire form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from badges.loader import OB_CONTEXTS

ACHIEVEMENT_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
ENDORSEMENT_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json"
)


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` and whole seconds."""
    if value.tzinfo is None:
        raise ValueError("datetimes must carry a time zone")
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow", frozen=False)

    def to_json(self) -> dict[str, Any]:
        """The JSON-LD (compact) form, without empty members."""
        data: dict[str, Any] = self.model_dump(by_alias=True, exclude_none=True, mode="json")
        return data


class Image(_Model):
    """An image reference."""

    id: str
    type: str = "Image"
    caption: str | None = None


class Criteria(_Model):
    """How the achievement is earned (``narrative`` is Markdown)."""

    id: str | None = None
    narrative: str | None = None


class Alignment(_Model):
    """An alignment to a framework item."""

    type: list[str] = Field(default_factory=lambda: ["Alignment"])
    target_name: str = Field(alias="targetName")
    target_url: str = Field(alias="targetUrl")
    target_description: str | None = Field(default=None, alias="targetDescription")
    target_framework: str | None = Field(default=None, alias="targetFramework")
    target_code: str | None = Field(default=None, alias="targetCode")
    target_type: str | None = Field(default=None, alias="targetType")


class RubricCriterionLevel(_Model):
    """One performance level of a rubric criterion (``points`` is a string in OB 3.0)."""

    id: str
    type: list[str] = Field(default_factory=lambda: ["RubricCriterionLevel"])
    name: str
    description: str | None = None
    level: str | None = None
    points: str | None = None
    alignment: list[Alignment] | None = None


class ResultDescription(_Model):
    """A result the achievement may record (e.g. one rubric criterion with its levels)."""

    id: str
    type: list[str] = Field(default_factory=lambda: ["ResultDescription"])
    name: str
    result_type: str = Field(alias="resultType")
    allowed_value: list[str] | None = Field(default=None, alias="allowedValue")
    required_level: str | None = Field(default=None, alias="requiredLevel")
    required_value: str | None = Field(default=None, alias="requiredValue")
    rubric_criterion_level: list[RubricCriterionLevel] | None = Field(
        default=None, alias="rubricCriterionLevel"
    )
    alignment: list[Alignment] | None = None
    value_min: str | None = Field(default=None, alias="valueMin")
    value_max: str | None = Field(default=None, alias="valueMax")


class Result(_Model):
    """A result earned by the recipient."""

    type: list[str] = Field(default_factory=lambda: ["Result"])
    result_description: str | None = Field(default=None, alias="resultDescription")
    value: str | None = None
    status: str | None = None
    achieved_level: str | None = Field(default=None, alias="achievedLevel")
    alignment: list[Alignment] | None = None


class Achievement(_Model):
    """The achievement (badge class)."""

    id: str
    type: list[str] = Field(default_factory=lambda: ["Achievement"])
    name: str
    description: str
    criteria: Criteria
    achievement_type: str | None = Field(default=None, alias="achievementType")
    image: Image | None = None
    alignment: list[Alignment] | None = None
    result_description: list[ResultDescription] | None = Field(
        default=None, alias="resultDescription"
    )
    credits_available: float | None = Field(default=None, alias="creditsAvailable")
    tag: list[str] | None = None
    version: str | None = None
    creator: Profile | None = None


class IdentityObject(_Model):
    """A (hashed) recipient identifier; see :func:`badges.recipient.hash_identity`."""

    type: str = "IdentityObject"
    hashed: bool
    identity_hash: str = Field(alias="identityHash")
    identity_type: str = Field(default="emailAddress", alias="identityType")
    salt: str | None = None


class AchievementSubject(_Model):
    """The recipient and what they achieved."""

    id: str | None = None
    type: list[str] = Field(default_factory=lambda: ["AchievementSubject"])
    identifier: list[IdentityObject] | None = None
    achievement: Achievement
    result: list[Result] | None = None
    credits_earned: float | None = Field(default=None, alias="creditsEarned")
    activity_start_date: datetime | None = Field(default=None, alias="activityStartDate")
    activity_end_date: datetime | None = Field(default=None, alias="activityEndDate")

    @field_serializer("activity_start_date", "activity_end_date")
    def _dates(self, value: datetime | None) -> str | None:
        return format_datetime(value) if value else None


class Profile(_Model):
    """An issuer (or creator) profile."""

    id: str
    type: list[str] = Field(default_factory=lambda: ["Profile"])
    name: str
    url: str | None = None
    email: str | None = None
    description: str | None = None
    image: Image | None = None


class Evidence(_Model):
    """Evidence supporting the award."""

    id: str | None = None
    type: list[str] = Field(default_factory=lambda: ["Evidence"])
    narrative: str | None = None
    name: str | None = None
    description: str | None = None


class CredentialSchema(_Model):
    """A JSON Schema the credential claims to conform to."""

    id: str = ACHIEVEMENT_SCHEMA
    type: str = "1EdTechJsonSchemaValidator2019"


class StatusEntry(_Model):
    """A ``BitstringStatusListEntry``."""

    id: str
    type: str = "BitstringStatusListEntry"
    status_purpose: str = Field(alias="statusPurpose")
    status_list_index: str = Field(alias="statusListIndex")
    status_list_credential: str = Field(alias="statusListCredential")


class _Credential(_Model):
    context: list[str] = Field(default_factory=lambda: list(OB_CONTEXTS), alias="@context")
    id: str
    name: str | None = None
    description: str | None = None
    image: Image | None = None
    issuer: Profile
    valid_from: datetime = Field(alias="validFrom")
    valid_until: datetime | None = Field(default=None, alias="validUntil")
    credential_status: StatusEntry | None = Field(default=None, alias="credentialStatus")

    @field_serializer("valid_from", "valid_until")
    def _dates(self, value: datetime | None) -> str | None:
        return format_datetime(value) if value else None


class EndorsementSubject(_Model):
    """What an endorsement is about."""

    id: str
    type: list[str] = Field(default_factory=lambda: ["EndorsementSubject"])
    endorsement_comment: str | None = Field(default=None, alias="endorsementComment")


class EndorsementCredential(_Credential):
    """An endorsement of a credential, achievement or profile."""

    type: list[str] = Field(
        default_factory=lambda: ["VerifiableCredential", "EndorsementCredential"]
    )
    name: str
    credential_subject: EndorsementSubject = Field(alias="credentialSubject")
    credential_schema: list[CredentialSchema] = Field(
        default_factory=lambda: [CredentialSchema(id=ENDORSEMENT_SCHEMA)],
        alias="credentialSchema",
    )


class OpenBadgeCredential(_Credential):
    """An OB 3.0 credential (unsigned until a proof is added)."""

    type: list[str] = Field(default_factory=lambda: ["VerifiableCredential", "OpenBadgeCredential"])
    credential_subject: AchievementSubject = Field(alias="credentialSubject")
    awarded_date: datetime | None = Field(default=None, alias="awardedDate")
    evidence: list[Evidence] | None = None
    endorsement: list[dict[str, Any]] | None = None
    credential_schema: list[CredentialSchema] = Field(
        default_factory=lambda: [CredentialSchema()], alias="credentialSchema"
    )

    @field_serializer("awarded_date")
    def _awarded(self, value: datetime | None) -> str | None:
        return format_datetime(value) if value else None


def now_utc() -> datetime:
    """The current time, UTC, whole seconds."""
    return datetime.now(UTC).replace(microsecond=0)


Achievement.model_rebuild()
