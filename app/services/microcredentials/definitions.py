"""Micro-credential definitions: authoring, versioning, publishing, images and the catalog.

Administrators of an organization author definitions. A version that anyone has submitted
evidence for (or been awarded) is frozen: editing it creates the next version of the same
family and moves ``is_current`` to it, so earlier submissions and credentials keep pointing
at exactly what they were judged against.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from PIL import UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.kit import audit, numbers, urls
from app.kit.storage import storage_for
from app.kit.storage.sniffing import sniff_type
from app.kit.storage.transactions import delete_after_commit, discard_on_rollback
from app.kit.storage.uploads import Upload
from app.models import (
    Award,
    AwardRule,
    DefinitionStatus,
    Membership,
    MicroCredential,
    MicroCredentialModule,
    Module,
    Organization,
    Pathway,
    Submission,
    User,
)
from app.services.microcredentials import badge_images, rubrics
from app.services.microcredentials.permissions import can_author_microcredentials
from app.settings import Settings
from badges.imaging import TooManyPixels, open_image

EVIDENCE_KINDS = ("reflection", "files", "links")
ACHIEVEMENT_TYPES = (
    "MicroCredential",
    "Badge",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "Competency",
    "Course",
    "LearningProgram",
    "Achievement",
    "Award",
)
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
MAX_NAME = 200
MAX_TEXT = 20_000
MAX_SHORT = 2_000
MAX_CRITERIA = 12
MAX_LEVELS = 6
MAX_LIST = 30
EDITABLE = (
    "name",
    "description",
    "criteria",
    "competencies",
    "evidence_requirements",
    "rubric",
    "pass_rule",
    "pass_value",
    "alignments",
    "achievement_type",
    "award_rule",
    "pd_hours",
    "validity_months",
    "pathway_id",
)


@dataclass(frozen=True)
class Saved:
    """The version an edit wrote to, and whether it is a new version."""

    definition: MicroCredential
    new_version: bool


# ---------------------------------------------------------------- validation


def _text(fields: dict[str, Any], name: str, limit: int, label: str, required: bool) -> str:
    value = str(fields.get(name) or "").strip()
    if required and not value:
        raise Invalid(f"Give the micro-credential {label}.", field=name)
    if len(value) > limit:
        raise Invalid(f"Keep {label} to {limit} characters.", field=name)
    return value


def _strings(value: Any, field: str, label: str) -> list[str]:
    if isinstance(value, str):
        value = [part for line in value.splitlines() for part in line.split(",")]
    if not isinstance(value, list):
        raise Invalid(f"List the {label}, one per line.", field=field)
    items = [str(v).strip() for v in value if str(v).strip()]
    if len(items) > MAX_LIST or any(len(v) > MAX_NAME for v in items):
        raise Invalid(
            f"Give at most {MAX_LIST} {label} of up to {MAX_NAME} characters.", field=field
        )
    return list(dict.fromkeys(items))


def _https(url: str, field: str, what: str) -> str:
    if not urls.is_web(url):
        raise Invalid(f"{what} needs a web address starting with https://.", field=field)
    return url


def _alignments(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise Invalid("Alignments must be a list.", field="alignments")
    cleaned = []
    for entry in value[:MAX_LIST]:
        if not isinstance(entry, dict):
            raise Invalid("Each alignment needs a name and a web address.", field="alignments")
        name = str(entry.get("name") or "").strip()[:MAX_NAME]
        url = str(entry.get("url") or "").strip()[:MAX_SHORT]
        if not name or not url:
            raise Invalid("Each alignment needs a name and a web address.", field="alignments")
        cleaned.append(
            {
                "name": name,
                "url": _https(url, "alignments", f"The alignment '{name}'"),
                "code": str(entry.get("code") or "").strip()[:100],
                "framework": str(entry.get("framework") or "").strip()[:MAX_NAME],
            }
        )
    return cleaned


def _evidence(value: Any, award_rule: AwardRule) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise Invalid("Evidence requirements must be a list.", field="evidence_requirements")
    cleaned: list[dict[str, Any]] = []
    for entry in value:
        kind = str(entry.get("kind") if isinstance(entry, dict) else "")
        if kind not in EVIDENCE_KINDS or any(e["kind"] == kind for e in cleaned):
            raise Invalid(
                "Evidence parts are a reflection, files and links, each at most once.",
                field="evidence_requirements",
            )
        assert isinstance(entry, dict)
        label = str(entry.get("label") or "").strip()
        if not label or len(label) > MAX_NAME:
            raise Invalid(
                f"Give the {kind} part a label of up to {MAX_NAME} characters.",
                field=f"ev_{kind}_label",
            )
        guidance = str(entry.get("guidance") or "").strip()
        if len(guidance) > MAX_SHORT:
            raise Invalid(
                f"Keep the {kind} guidance to {MAX_SHORT} characters.", field=f"ev_{kind}_guidance"
            )
        cleaned.append(
            {
                "key": kind,
                "kind": kind,
                "label": label,
                "guidance": guidance,
                "required": bool(entry.get("required", True)),
            }
        )
    if award_rule == AwardRule.REVIEW and not cleaned:
        raise Invalid(
            "A reviewed micro-credential needs at least one evidence part.",
            field="evidence_requirements",
        )
    return cleaned


def _rubric(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise Invalid("The rubric must be a list of criteria.", field="rubric")
    if len(value) > MAX_CRITERIA:
        raise Invalid(f"A rubric has at most {MAX_CRITERIA} criteria.", field="rubric")
    cleaned = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("levels"), list):
            raise Invalid(f"Criterion {number} needs a list of levels.", field="rubric")
        if len(item["levels"]) > MAX_LEVELS:
            raise Invalid(f"A criterion has at most {MAX_LEVELS} levels.", field="rubric")
        cleaned.append(
            {
                "key": str(item.get("key") or f"c{number}")[:40],
                "name": str(item.get("name") or "").strip()[:MAX_NAME],
                "description": str(item.get("description") or "").strip()[:MAX_SHORT],
                "levels": [_level(number, lv) for lv in item["levels"]],
            }
        )
    return cleaned


def _level(number: int, level: Any) -> dict[str, Any]:
    try:
        value = int(level["level"])
        points = int(level.get("points", 0))
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid(
            f"Every level of criterion {number} needs a number and whole points.", field="rubric"
        ) from exc
    label = str(level.get("label") or "").strip()[:100]
    descriptor = str(level.get("descriptor") or "").strip()[:MAX_SHORT]
    if not label:
        raise Invalid(f"Name every level (level {value} has no name).", field="rubric")
    if not 0 <= points <= 1000:
        raise Invalid("Points must be between 0 and 1000.", field="rubric")
    return {"level": value, "label": label, "descriptor": descriptor, "points": points}


def _number(value: Any, field: str, message: str) -> Decimal:
    try:
        number = Decimal(str(value).strip() or "0")
    except InvalidOperation as exc:
        raise Invalid(message, field=field) from exc
    if not number.is_finite() or not 0 <= number <= 999:
        raise Invalid(message, field=field)
    return number.quantize(Decimal("0.01"))


def _validity(value: Any) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    months = numbers.whole_number(text, 240)
    if not months:
        raise Invalid(
            "Validity is a whole number of months from 1 to 240, or empty for no expiry.",
            field="validity_months",
        )
    return months


def _pass_value(value: Any) -> int:
    try:
        return int(str(value).strip())
    except ValueError as exc:
        raise Invalid("The pass rule needs a whole number.", field="pass_value") from exc


def clean(db: Session, org: Organization, fields: dict[str, Any]) -> dict[str, Any]:
    """Checked, normalized definition fields; Invalid names the field at fault."""
    try:
        award_rule = AwardRule(str(fields.get("award_rule") or AwardRule.REVIEW.value))
    except ValueError as exc:
        raise Invalid("Choose how it is earned: review or completion.", field="award_rule") from exc
    achievement_type = str(fields.get("achievement_type") or "MicroCredential")
    if achievement_type not in ACHIEVEMENT_TYPES:
        raise Invalid("Choose an achievement type from the list.", field="achievement_type")
    values: dict[str, Any] = {
        "name": _text(fields, "name", MAX_NAME, "a name", True),
        "description": _text(fields, "description", MAX_TEXT, "a description", True),
        "criteria": _text(fields, "criteria", MAX_TEXT, "a criteria narrative", True),
        "competencies": _strings(fields.get("competencies") or [], "competencies", "competencies"),
        "alignments": _alignments(fields.get("alignments") or []),
        "achievement_type": achievement_type,
        "award_rule": award_rule,
        "pd_hours": _number(
            fields.get("pd_hours", "0"), "pd_hours", "PD hours are a number from 0 to 999."
        ),
        "validity_months": _validity(fields.get("validity_months")),
        "evidence_requirements": _evidence(fields.get("evidence_requirements") or [], award_rule),
        "rubric": _rubric(fields.get("rubric") or []),
        "pass_rule": str(fields.get("pass_rule") or rubrics.MIN_LEVEL),
        "pass_value": _pass_value(fields.get("pass_value", 3)),
    }
    if award_rule == AwardRule.REVIEW or values["rubric"]:
        rubrics.validate(values["rubric"], values["pass_rule"], values["pass_value"])
    values["module_family_ids"] = _module_families(db, org, fields.get("module_family_ids") or [])
    values["pathway_id"] = _pathway(db, org, fields.get("pathway_id"))
    if award_rule == AwardRule.COMPLETION and not (
        values["module_family_ids"] or values["pathway_id"]
    ):
        raise Invalid(
            "A completion badge needs at least one linked module or a pathway.",
            field="module_family_ids",
        )
    return values


def _uuid(value: Any, field: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError as exc:
        raise Invalid("That is not one of this organization's choices.", field=field) from exc


def _module_families(db: Session, org: Organization, value: Any) -> list[uuid.UUID]:
    if not isinstance(value, list):
        raise Invalid("Linked modules must be a list.", field="module_family_ids")
    wanted = list(dict.fromkeys(_uuid(v, "module_family_ids") for v in value))
    if not wanted:
        return []
    known = set(
        db.scalars(
            select(Module.family_id).where(
                Module.organization_id == org.id, Module.family_id.in_(wanted)
            )
        )
    )
    if set(wanted) - known:
        raise Invalid("Link only modules of this organization.", field="module_family_ids")
    return wanted


def _pathway(db: Session, org: Organization, value: Any) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    pathway = db.get(Pathway, _uuid(value, "pathway_id"))
    if pathway is None or pathway.organization_id != org.id:
        raise Invalid("Link a pathway of this organization.", field="pathway_id")
    return pathway.id


# ---------------------------------------------------------------- images


def check_image(settings: Settings, upload: Upload) -> str:
    """The image's real type (PNG, JPEG or WebP, judged by content), or Invalid; its size in
    pixels is checked from the header, before any pixel is decoded."""
    limit_kb = settings.badge_image_max_bytes // 1024
    if not upload.size:
        raise Invalid("The image file is empty.", field="image")
    if upload.size > settings.badge_image_max_bytes:
        raise Invalid(f"The image is larger than {limit_kb} KB.", field="image")
    try:
        content_type = sniff_type(upload.rewound())
    except TooManyPixels as exc:
        raise Invalid(f"The image {exc}.", field="image") from exc
    if content_type is None or content_type not in IMAGE_TYPES.values():
        raise Invalid("The image must be a PNG, JPEG or WebP picture.", field="image")
    _check_pixels(settings, upload)
    return content_type


def _check_pixels(settings: Settings, upload: Upload) -> None:
    """Invalid unless the image is at most ``badge_image_max_pixels`` a side and decodes."""
    biggest = settings.badge_image_max_pixels
    try:
        with open_image(upload.rewound()) as image:
            width, height = image.size
            if width > biggest or height > biggest:
                raise Invalid(
                    f"The image must be at most {biggest} by {biggest} pixels.", field="image"
                )
            image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise Invalid(
            "The image could not be read; save it again and retry.", field="image"
        ) from exc


def _store_image(
    db: Session, settings: Settings, definition: MicroCredential, upload: Upload
) -> None:
    content_type = check_image(settings, upload)
    store = storage_for(settings)
    key = store.save(upload.rewound())
    discard_on_rollback(db, store, key)
    _release_image(db, settings, definition)
    definition.image_key = key
    definition.image_content_type = content_type


def _release_image(db: Session, settings: Settings, definition: MicroCredential) -> None:
    """Forget the version's image; the file goes once no other version shares it."""
    key = definition.image_key
    if key is None:
        return
    shared = db.scalar(
        select(func.count())
        .select_from(MicroCredential)
        .where(MicroCredential.image_key == key, MicroCredential.id != definition.id)
    )
    if not shared:
        delete_after_commit(db, storage_for(settings), key)
    definition.image_key = None
    definition.image_content_type = None


def image(settings: Settings, definition: MicroCredential) -> tuple[bytes, str]:
    """The definition's image and media type: the upload, or the generated default (SVG)."""
    if definition.image_key:
        try:
            with storage_for(settings).open(definition.image_key) as fh:
                return fh.read(), definition.image_content_type or "image/png"
        except FileNotFoundError:
            pass
    svg = badge_images.default_svg(definition.name, definition.organization.name)
    return svg.encode(), "image/svg+xml"


def image_png(settings: Settings, definition: MicroCredential) -> bytes | None:
    """The uploaded image as a PNG for baked credentials, or None to use the default."""
    if not definition.image_key:
        return None
    data, _ = image(settings, definition)
    try:
        return badge_images.to_png(data)
    except (UnidentifiedImageError, OSError, ValueError):
        return None


# ---------------------------------------------------------------- authoring


def _check_author(actor: User, org_id: uuid.UUID) -> None:
    if not can_author_microcredentials(actor, org_id):
        raise Forbidden("Only administrators of this organization author its micro-credentials.")


def _apply(definition: MicroCredential, values: dict[str, Any]) -> None:
    for name in EDITABLE:
        setattr(definition, name, values[name])
    definition.modules = [
        MicroCredentialModule(module_family_id=family) for family in values["module_family_ids"]
    ]


def create(
    db: Session,
    settings: Settings,
    actor: User,
    org: Organization,
    fields: dict[str, Any],
    upload: Upload | None = None,
) -> MicroCredential:
    """A new draft definition (version 1 of a new family)."""
    _check_author(actor, org.id)
    values = clean(db, org, fields)
    definition = MicroCredential(
        organization_id=org.id,
        organization=org,
        family_id=uuid.uuid4(),
        version=1,
        is_current=True,
        status=DefinitionStatus.DRAFT,
        created_by_id=actor.id,
    )
    _apply(definition, values)
    if upload is not None:
        _store_image(db, settings, definition, upload)
    db.add(definition)
    db.flush()
    _audit(db, actor, definition, "microcredential.created")
    return definition


def is_frozen(db: Session, definition: MicroCredential) -> bool:
    """Whether anyone has submitted evidence for, or been awarded, this version."""
    submitted = db.scalar(
        select(Submission.id).where(Submission.micro_credential_id == definition.id).limit(1)
    )
    awarded = db.scalar(select(Award.id).where(Award.micro_credential_id == definition.id).limit(1))
    return submitted is not None or awarded is not None


def update(
    db: Session,
    settings: Settings,
    actor: User,
    definition: MicroCredential,
    fields: dict[str, Any],
    upload: Upload | None = None,
    remove_image: bool = False,
) -> Saved:
    """Edit the current version in place, or (if it is frozen) as the next version."""
    _check_author(actor, definition.organization_id)
    if not definition.is_current:
        raise Conflict("Only the current version can be edited; open the newest one.")
    if definition.status == DefinitionStatus.ARCHIVED:
        raise Conflict("Archived micro-credentials cannot change; publish it again first.")
    values = clean(db, definition.organization, fields)
    if upload is not None:
        check_image(settings, upload)
    target = definition
    if is_frozen(db, definition):
        target = _next_version(db, actor, definition)
    _apply(target, values)
    if remove_image and upload is None:
        if target is definition:
            _release_image(db, settings, target)
        else:
            target.image_key = target.image_content_type = None
    if upload is not None:
        if target is not definition:
            target.image_key = None  # the frozen version keeps its file
        _store_image(db, settings, target, upload)
    target.updated_at = utcnow()
    db.flush()
    _audit(db, actor, target, "microcredential.updated", version=target.version)
    return Saved(definition=target, new_version=target is not definition)


def _next_version(db: Session, actor: User, old: MicroCredential) -> MicroCredential:
    old.is_current = False
    db.flush()  # only one current version per family, even mid-transaction
    new = MicroCredential(
        organization_id=old.organization_id,
        organization=old.organization,
        family_id=old.family_id,
        version=old.version + 1,
        is_current=True,
        status=old.status,
        published_at=old.published_at,
        image_key=old.image_key,
        image_content_type=old.image_content_type,
        created_by_id=actor.id,
    )
    db.add(new)
    return new


def publish(db: Session, actor: User, definition: MicroCredential) -> MicroCredential:
    """Offer the current version to the organization's teachers."""
    _check_author(actor, definition.organization_id)
    if not definition.is_current:
        raise Conflict("Only the current version can be published.")
    if definition.status == DefinitionStatus.PUBLISHED:
        raise Conflict("This micro-credential is already published.")
    clean(db, definition.organization, fields_of(definition))
    definition.status = DefinitionStatus.PUBLISHED
    definition.published_at = definition.published_at or utcnow()
    _audit(db, actor, definition, "microcredential.published")
    return definition


def archive(db: Session, actor: User, definition: MicroCredential) -> MicroCredential:
    """Stop offering it; issued credentials and their public pages stay valid."""
    _check_author(actor, definition.organization_id)
    if not definition.is_current:
        raise Conflict("Only the current version can be archived.")
    if definition.status == DefinitionStatus.ARCHIVED:
        raise Conflict("This micro-credential is already archived.")
    definition.status = DefinitionStatus.ARCHIVED
    _audit(db, actor, definition, "microcredential.archived")
    return definition


def fields_of(definition: MicroCredential) -> dict[str, Any]:
    """The version's editable fields, as ``update`` takes them."""
    fields = {name: getattr(definition, name) for name in EDITABLE}
    fields["award_rule"] = definition.award_rule.value
    fields["module_family_ids"] = [m.module_family_id for m in definition.modules]
    return fields


def _audit(db: Session, actor: User, definition: MicroCredential, event: str, **extra: Any) -> None:
    audit.record(
        db,
        event,
        actor_id=actor.id,
        organization_id=definition.organization_id,
        target_type="micro_credential",
        target_id=definition.id,
        name=definition.name,
        **extra,
    )


# ---------------------------------------------------------------- reading


def get_for_admin(
    db: Session, actor: User, org: Organization, definition_id: uuid.UUID
) -> MicroCredential:
    """Any version of one of the organization's definitions, for its administrators."""
    _check_author(actor, org.id)
    definition = db.get(MicroCredential, definition_id)
    if definition is None or definition.organization_id != org.id:
        raise NotFound("This organization has no such micro-credential.")
    return definition


def list_for_admin(db: Session, actor: User, org: Organization) -> list[MicroCredential]:
    """The current version of each of the organization's definitions, by name."""
    _check_author(actor, org.id)
    return list(
        db.scalars(
            select(MicroCredential)
            .where(MicroCredential.organization_id == org.id, MicroCredential.is_current.is_(True))
            .order_by(func.lower(MicroCredential.name))
        )
    )


def history(db: Session, definition: MicroCredential) -> list[MicroCredential]:
    """Every version of the definition's family, newest first."""
    return list(
        db.scalars(
            select(MicroCredential)
            .where(MicroCredential.family_id == definition.family_id)
            .order_by(MicroCredential.version.desc())
        )
    )


def catalog(db: Session, user: User) -> list[MicroCredential]:
    """Published, current definitions of the organizations the user belongs to."""
    query = select(MicroCredential).where(
        MicroCredential.status == DefinitionStatus.PUBLISHED,
        MicroCredential.is_current.is_(True),
    )
    if not user.is_platform_admin:
        orgs = select(Membership.organization_id).where(Membership.user_id == user.id)
        query = query.where(MicroCredential.organization_id.in_(orgs))
    return list(db.scalars(query.order_by(func.lower(MicroCredential.name))))


def get_visible(db: Session, user: User | None, definition_id: uuid.UUID) -> MicroCredential:
    """A published or archived version for anyone; drafts only for the organization's admins."""
    definition = db.get(MicroCredential, definition_id)
    if definition is None:
        raise NotFound("There is no such micro-credential.")
    if definition.status == DefinitionStatus.DRAFT and not (
        user is not None and can_author_microcredentials(user, definition.organization_id)
    ):
        raise NotFound("There is no such micro-credential.")
    return definition


def get_public(db: Session, definition_id: uuid.UUID) -> MicroCredential:
    """A published (or archived, once offered) version; drafts are never public."""
    return get_visible(db, None, definition_id)


def linked_modules(db: Session, definition: MicroCredential) -> list[Module]:
    """The current version of each linked module family, by title."""
    families = [m.module_family_id for m in definition.modules]
    if not families:
        return []
    return list(
        db.scalars(
            select(Module)
            .where(Module.family_id.in_(families), Module.is_current.is_(True))
            .order_by(func.lower(Module.title))
        )
    )


def pathway_of(db: Session, definition: MicroCredential) -> Pathway | None:
    """The linked pathway, if any."""
    return db.get(Pathway, definition.pathway_id) if definition.pathway_id else None


def link_choices(db: Session, actor: User, org: Organization) -> tuple[list[Module], list[Pathway]]:
    """Modules (newest version of each family) and pathways an admin can link, by title."""
    _check_author(actor, org.id)
    newest = (
        select(Module.family_id, func.max(Module.version).label("v"))
        .where(Module.organization_id == org.id)
        .group_by(Module.family_id)
        .subquery()
    )
    modules = db.scalars(
        select(Module)
        .join(newest, (Module.family_id == newest.c.family_id) & (Module.version == newest.c.v))
        .order_by(func.lower(Module.title))
    )
    paths = db.scalars(
        select(Pathway).where(Pathway.organization_id == org.id).order_by(func.lower(Pathway.title))
    )
    return list(modules), list(paths)


def rule_text(definition: MicroCredential) -> str:
    """The pass rule in words (empty for a completion badge without a rubric)."""
    if not definition.rubric:
        return ""
    return rubrics.describe_rule(definition.rubric, definition.pass_rule, definition.pass_value)
