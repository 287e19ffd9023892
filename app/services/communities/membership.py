"""Communities of practice: creating them, finding them, joining, leaving, muting, approving."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import Select, String, delete, func, select
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.kit import audit, counters, links, once
from app.kit.keyset import Order, PageRequest, Slice, sort_key
from app.models import (
    Community,
    CommunityMember,
    DefinitionStatus,
    JoinPolicy,
    MemberRole,
    MemberStatus,
    MicroCredential,
    Module,
    Organization,
    User,
)
from app.services.communities.permissions import (
    can_change_membership,
    can_create_community,
    can_post_in_community,
    can_read_community,
    community_moderator,
)
from app.services.orgs.permissions import is_member

RESERVED_SLUGS = frozenset({"search", "new"})
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
COMMUNITY_ORDER = Order(sort_key(func.lower(Community.name, type_=String)), sort_key(Community.id))


@dataclass(frozen=True)
class CommunityAccess:
    """A community and what the viewer may do in it."""

    community: Community
    user: User
    member: CommunityMember | None

    @property
    def can_read(self) -> bool:
        """Whether the viewer sees threads and resources."""
        return can_read_community(self.user, self.community, self.member)

    @property
    def can_post(self) -> bool:
        """Whether the viewer may start threads, reply and share resources."""
        return can_post_in_community(self.member)

    @property
    def can_moderate(self) -> bool:
        """Whether the viewer is a facilitator or an administrator here."""
        return community_moderator(self.user, self.community.organization_id, self.member)

    @property
    def status(self) -> MemberStatus | None:
        """The viewer's membership status, if any."""
        return self.member.status if self.member else None


def create_community(
    db: Session,
    org: Organization,
    actor: User,
    *,
    slug: str,
    name: str,
    description: str = "",
    guidelines: str = "",
    join_policy: JoinPolicy = JoinPolicy.OPEN,
    topic: str | None = None,
    grade_band: str | None = None,
    region: str | None = None,
    attached_kind: str | None = None,
    attached_ref: str | None = None,
) -> Community:
    """Create a community; its creator becomes its first facilitator."""
    if not can_create_community(actor, org.id):
        raise Forbidden("Only coaches and administrators create communities.")
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise Invalid(
            "Use lower-case letters, digits and hyphens for the short name.", field="slug"
        )
    if not name.strip() or len(name) > 120:
        raise Invalid("Enter a name of at most 120 characters.", field="name")
    taken = db.scalar(
        select(Community.id).where(Community.organization_id == org.id, Community.slug == slug)
    )
    if taken is not None:
        raise Conflict(f"The short name '{slug}' is taken.", field="slug")
    if (attached_kind is None) != (attached_ref is None):
        raise Invalid("Give both what the community is attached to and its reference.")
    community = Community(
        organization_id=org.id,
        slug=slug,
        name=name.strip(),
        description=description.strip(),
        guidelines=guidelines.strip(),
        join_policy=join_policy,
        topic=(topic or "").strip() or None,
        grade_band=(grade_band or "").strip() or None,
        region=(region or "").strip() or None,
        attached_kind=attached_kind,
        attached_ref=attached_ref,
        member_count=1,
    )
    db.add(community)
    db.flush()
    db.add(
        CommunityMember(community_id=community.id, user_id=actor.id, role=MemberRole.FACILITATOR)
    )
    audit.record(db, "community.created", community, actor=actor)
    return community


def _with_membership(user: User, org: Organization) -> Select[Community, CommunityMember]:
    """Communities of the organization with the viewer's membership (every one is listed)."""
    return (
        select(Community, CommunityMember)
        .outerjoin(
            CommunityMember,
            (CommunityMember.community_id == Community.id) & (CommunityMember.user_id == user.id),
        )
        .where(Community.organization_id == org.id)
    )


def list_for(
    db: Session, user: User, org: Organization
) -> list[tuple[Community, CommunityMember | None]]:
    """Communities of the organization with the viewer's membership, by name."""
    rows = db.execute(_with_membership(user, org).order_by(*COMMUNITY_ORDER.clauses())).all()
    return [(row[0], row[1]) for row in rows]


def communities_page(
    db: Session, user: User, org: Organization, page: PageRequest
) -> Slice[tuple[Community, CommunityMember | None]]:
    """A page of ``list_for``."""
    rows = COMMUNITY_ORDER.rows(db, _with_membership(user, org), page)
    return Slice([(row[0], row[1]) for row in rows.items], rows.next_cursor)


def attachment_choices(db: Session, org: Organization) -> list[tuple[str, str]]:
    """What a new community can belong to: the organization's current modules and
    micro-credentials, as ``("kind:family_id", label)``."""
    modules = db.execute(
        select(Module.family_id, Module.title)
        .where(Module.organization_id == org.id, Module.is_current.is_(True))
        .order_by(func.lower(Module.title))
    ).all()
    badges = db.execute(
        select(MicroCredential.family_id, MicroCredential.name)
        .where(
            MicroCredential.organization_id == org.id,
            MicroCredential.is_current.is_(True),
            MicroCredential.status != DefinitionStatus.ARCHIVED,
        )
        .order_by(func.lower(MicroCredential.name))
    ).all()
    return [(f"module:{f}", f"Module: {t}") for f, t in modules] + [
        (f"micro_credential:{f}", f"Micro-credential: {n}") for f, n in badges
    ]


def parse_attachment(db: Session, org: Organization, value: str) -> tuple[str | None, str | None]:
    """The (kind, reference) a form's choice names; Invalid unless it is one of the org's own."""
    if not value:
        return None, None
    if value not in dict(attachment_choices(db, org)):
        raise Invalid("Choose a module or micro-credential of this organization.", field="attached")
    kind, ref = value.split(":", 1)
    return kind, ref


def community_url(community: Community) -> str:
    """The community's page."""
    return links.COMMUNITY.path_for(slug=community.organization.slug, community=community.slug)


def attached_to(db: Session, kind: str, ref: str) -> list[Community]:
    """Communities attached to a module or micro-credential (``kind``, ``ref``)."""
    return list(
        db.scalars(
            select(Community).where(Community.attached_kind == kind, Community.attached_ref == ref)
        )
    )


def membership(db: Session, community_id: uuid.UUID, user_id: uuid.UUID) -> CommunityMember | None:
    """A person's membership of a community, if any."""
    return db.scalar(
        select(CommunityMember).where(
            CommunityMember.community_id == community_id, CommunityMember.user_id == user_id
        )
    )


def access(db: Session, org: Organization, slug: str, user: User) -> CommunityAccess:
    """The community of the organization with this short name, as the viewer sees it."""
    community = db.scalar(
        select(Community).where(Community.organization_id == org.id, Community.slug == slug)
    )
    if community is None:
        raise NotFound(f"There is no community called '{slug}'.")
    return CommunityAccess(community, user, membership(db, community.id, user.id))


def access_by_id(db: Session, community_id: uuid.UUID, user: User) -> CommunityAccess:
    """A community by id, for a member of its organization; NotFound for anyone else."""
    community = db.get(Community, community_id)
    if community is None or not is_member(user, community.organization_id):
        raise NotFound("There is no such community.")
    return CommunityAccess(community, user, membership(db, community.id, user.id))


def require_read(ctx: CommunityAccess) -> None:
    """NotFound unless the viewer may read the community's content."""
    if not ctx.can_read:
        raise NotFound("This community's discussions are visible to its members only.")


def require_moderator(ctx: CommunityAccess) -> None:
    """Forbidden unless the viewer moderates the community."""
    if not ctx.can_moderate:
        raise Forbidden("Only facilitators and administrators can do this.")


def join(db: Session, ctx: CommunityAccess) -> CommunityMember:
    """Join an open community, or ask to join one by request."""
    if ctx.member is not None:
        if ctx.member.status == MemberStatus.SUSPENDED:
            raise Forbidden("You are suspended from this community.")
        raise Conflict("You are already a member, or your request is waiting.")
    if not is_member(ctx.user, ctx.community.organization_id):
        raise Forbidden("Only members of the organization can join its communities.")
    pending = ctx.community.join_policy == JoinPolicy.REQUEST
    member = CommunityMember(
        community_id=ctx.community.id,
        user_id=ctx.user.id,
        status=MemberStatus.PENDING if pending else MemberStatus.ACTIVE,
    )
    db.add(member)
    db.flush()
    if not pending:
        counters.add(db, ctx.community, Community.member_count, 1)
    return member


def leave(db: Session, ctx: CommunityAccess) -> None:
    """Leave a community (or withdraw a request); suspended members stay suspended."""
    member = ctx.member
    if member is None:
        raise Conflict("You are not a member of this community.")
    if member.status == MemberStatus.SUSPENDED:
        raise Forbidden("You are suspended from this community; a facilitator can lift it.")
    if member.role == MemberRole.FACILITATOR and _facilitators(db, ctx.community) <= 1:
        raise Conflict("A community needs a facilitator. Name another one before you leave.")
    removed = db.execute(
        delete(CommunityMember)
        .where(CommunityMember.id == member.id, CommunityMember.status == member.status)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if not removed:
        raise Conflict("Your membership changed meanwhile. Reload the page and try again.")
    if member.status == MemberStatus.ACTIVE:
        counters.add(db, ctx.community, Community.member_count, -1)
    db.expunge(member)


def set_muted(ctx: CommunityAccess, muted: bool) -> None:
    """Mute (no digest, no reply notifications) or unmute the community."""
    if ctx.member is None or ctx.member.status == MemberStatus.PENDING:
        raise Conflict("Join the community first.")
    ctx.member.muted = muted


def _facilitators(db: Session, community: Community) -> int:
    """Active facilitators, counted after locking the community row, so two facilitators
    leaving at once are counted one after the other and the last one is refused."""
    db.execute(
        select(Community.id).where(Community.id == community.id).with_for_update(key_share=True)
    )
    return (
        db.scalar(
            select(func.count()).where(
                CommunityMember.community_id == community.id,
                CommunityMember.role == MemberRole.FACILITATOR,
                CommunityMember.status == MemberStatus.ACTIVE,
            )
        )
        or 0
    )


def members(db: Session, ctx: CommunityAccess) -> list[CommunityMember]:
    """Everyone in the community, pending requests first (moderators)."""
    require_moderator(ctx)
    return list(
        db.scalars(
            select(CommunityMember)
            .join(CommunityMember.user)
            .where(CommunityMember.community_id == ctx.community.id)
            .order_by(CommunityMember.status.desc(), func.lower(User.display_name))
        )
    )


def changeable(ctx: CommunityAccess, rows: list[CommunityMember]) -> set[uuid.UUID]:
    """The ids of the members whose membership the viewer may change."""
    return {m.id for m in rows if ctx.can_moderate and can_change_membership(ctx.user, m)}


def _member(db: Session, ctx: CommunityAccess, member_id: uuid.UUID) -> CommunityMember:
    member = db.get(CommunityMember, member_id)
    if member is None or member.community_id != ctx.community.id:
        raise NotFound("That person is not in this community.")
    return member


_MEMBER_CHANGES: dict[tuple[str, MemberStatus], dict[str, object]] = {
    ("approve", MemberStatus.PENDING): {"status": MemberStatus.ACTIVE},
    ("suspend", MemberStatus.ACTIVE): {"status": MemberStatus.SUSPENDED, "role": MemberRole.MEMBER},
    ("reinstate", MemberStatus.SUSPENDED): {"status": MemberStatus.ACTIVE},
    ("facilitator", MemberStatus.ACTIVE): {"role": MemberRole.FACILITATOR},
}


def set_member_status(
    db: Session, ctx: CommunityAccess, member_id: uuid.UUID, action: str
) -> CommunityMember:
    """Approve a request, suspend, reinstate, or make/unmake a facilitator (moderators)."""
    require_moderator(ctx)
    member = _member(db, ctx, member_id)
    if not can_change_membership(ctx.user, member):
        raise Conflict("You cannot change your own membership this way.")
    before = member.status
    change = _MEMBER_CHANGES.get((action, before))
    if change is None:
        raise Conflict("That change does not apply to this member now.")
    once.change_or_refuse(
        db,
        member,
        "Someone else changed this membership meanwhile. Reload the page.",
        CommunityMember.status == before,
        **change,
    )
    if before == MemberStatus.PENDING:
        counters.add(db, ctx.community, Community.member_count, 1)
    audit.record(
        db,
        f"community.member_{action}",
        member,
        actor=ctx.user,
        organization_id=ctx.community.organization_id,
        community=ctx.community.slug,
        user_id=str(member.user_id),
    )
    return member
