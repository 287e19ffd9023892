"""One seeded "world" for the authorization suites: two organizations, their people, and one
real object of every kind a route can name, so path parameters are real ids."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    AccessToken,
    Activity,
    Attachment,
    Community,
    CommunityMember,
    DefinitionStatus,
    EvidenceAttempt,
    EvidenceFile,
    Exemplar,
    IssuedCredential,
    Mentorship,
    MicroCredential,
    Module,
    Notification,
    OutboxMessage,
    Pathway,
    Post,
    PostReport,
    Resource,
    Role,
    Section,
    StatusList,
    Submission,
    Thread,
    User,
)
from app.models.mentorship import CoachingGoal
from app.security import csrf
from app.security.scopes import SCOPES
from app.services import access_tokens, sessions
from app.services.demo import seed_demo
from app.settings import Settings
from tests.credentials_support import issue_to
from tests.microcredentials.support import make_definition as draft_definition
from tests.review.support import make_definition
from tests.support import make_org, make_user

ROLES = ("anonymous", "teacher", "coach", "admin", "other_admin", "platform")
"""Who calls each route: nobody, three members of riverbend, lakeside's admin, the platform."""
OTHER_TEACHER_SECRET = "Priya-only reflection: the seating chart that finally worked"


@dataclass
class Caller:
    """How one role authenticates: a browser session (with CSRF) and a full-scope API token."""

    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    bearer: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    """The seeded ids (``ids``: path parameter name -> value) and the callers by role."""

    ids: dict[str, str]
    callers: dict[str, Caller]
    users: dict[str, User]
    missing_scope: dict[str, str]
    """scope -> raw token of riverbend's admin carrying every scope but that one."""
    other: dict[str, Any]
    """Objects of another teacher and of the other organization, for object-level cases."""


def _one(db: Session, statement: Any) -> Any:
    row = db.scalars(statement).first()
    assert row is not None, statement
    return row


def _caller(db: Session, settings: Settings, user: User | None) -> Caller:
    if user is None:
        cookie = csrf.new_cookie_value()
        return Caller(
            cookies={csrf.CSRF_COOKIE: cookie},
            headers={csrf.CSRF_HEADER: csrf.form_token(settings.secret, cookie)},
        )
    raw = sessions.start_session(db, settings, user, ip="127.0.0.1", user_agent="authz")
    _, token = access_tokens.create_token(
        db, user, name="matrix", scopes=sorted(SCOPES), expires_in_days=None
    )
    caller = _caller(db, settings, None)
    caller.cookies["laurel_session"] = raw
    caller.bearer = {"authorization": f"Bearer {token}"}
    return caller


def _people(db: Session, settings: Settings) -> dict[str, User]:
    seed_demo(db, settings)
    db.commit()
    by_email = {u.email: u for u in db.scalars(select(User))}
    lakeside = make_org(db, "lakeside")
    return {
        "admin": by_email["admin@riverbend.example"],
        "coach": by_email["coach@riverbend.example"],
        "teacher": by_email["teacher2@riverbend.example"],
        "other_teacher": by_email["teacher@riverbend.example"],
        "other_admin": make_user(db, "admin@lakeside.org", org=lakeside, role=Role.ADMIN),
        "lakeside_teacher": make_user(db, "teacher@lakeside.org", org=lakeside),
        "platform": make_user(db, "root@laurel.org", platform_admin=True),
    }


def build_world(db: Session, settings: Settings) -> World:
    """Seed the demo district, a second organization and everything the routes name."""
    users = _people(db, settings)
    teacher = users["teacher"]
    riverbend = users["admin"].memberships[0].organization
    lakeside = users["other_admin"].memberships[0].organization
    callers = {role: _caller(db, settings, users.get(role)) for role in ROLES}
    ids = _ids(db, settings, users, riverbend.id)
    missing_scope = {
        scope: access_tokens.create_token(
            db, users["admin"], name=f"no {scope}", scopes=sorted(set(SCOPES) - {scope}),
            expires_in_days=None,
        )[1]
        for scope in SCOPES
    }  # fmt: skip
    other = _other_objects(db, settings, users, lakeside)
    db.commit()
    assert teacher.id != users["other_teacher"].id
    return World(ids=ids, callers=callers, users=users, missing_scope=missing_scope, other=other)


def _ids(
    db: Session, settings: Settings, users: dict[str, User], org_id: uuid.UUID
) -> dict[str, str]:
    teacher = users["teacher"]
    module = _one(db, select(Module).where(Module.organization_id == org_id).order_by(Module.title))
    activity = _one(db, select(Activity).where(Activity.module_id == module.id))
    section = _one(db, select(Section).where(Section.module_id == module.id))
    community = _one(db, select(Community).where(Community.slug == "middle-math"))
    thread = _one(db, select(Thread).where(Thread.community_id == community.id))
    post = _one(db, select(Post).where(Post.thread_id == thread.id, Post.is_opening.is_(False)))
    submission = _one(
        db,
        select(Submission).where(Submission.user_id == teacher.id, Submission.decided_at.is_(None)),
    )
    mentorship = _one(db, select(Mentorship).where(Mentorship.teacher_id == teacher.id))
    credential = issue_to(db, settings, users["admin"].memberships[0].organization, teacher)
    db.add(Notification(user_id=teacher.id, kind="test", title="Matrix", url="/"))
    db.flush()
    return {
        "slug": "riverbend",
        "membership_id": str(users["other_teacher"].memberships[0].id),
        "token": "no-such-invitation-token",
        "module_id": str(module.id),
        "activity_id": str(activity.id),
        "section_id": str(section.id),
        "item_id": str(activity.id),
        "action": "archive",
        "pathway_id": str(_one(db, select(Pathway.id).where(Pathway.organization_id == org_id))),
        "credential_id": str(credential.id),
        "fmt": "json",
        "definition_id": str(submission.micro_credential_id),
        "community": community.slug,
        "community_id": str(community.id),
        "member_id": str(
            _one(db, select(CommunityMember.id).where(
                CommunityMember.community_id == community.id,
                CommunityMember.user_id == users["other_teacher"].id,
            ))
        ),
        "thread_id": str(thread.id),
        "flag": "pin",
        "post_id": str(post.id),
        "report_id": str(_one(db, select(PostReport.id).where(PostReport.community_id == community.id))),
        "resource_id": str(_one(db, select(Resource.id).where(Resource.community_id == community.id))),
        "exemplar_id": str(_one(db, select(Exemplar.id).where(Exemplar.owner_id == teacher.id))),
        "attachment_id": str(uuid.uuid4()),
        "submission_id": str(submission.id),
        "file_id": str(_one(db, select(EvidenceFile.id).join(EvidenceAttempt).where(
            EvidenceAttempt.submission_id == submission.id))),
        "mentorship_id": str(mentorship.id),
        "goal_id": str(_one(db, select(CoachingGoal.id).where(CoachingGoal.mentorship_id == mentorship.id))),
        "notification_id": str(_one(db, select(Notification.id).where(Notification.user_id == teacher.id))),
        "token_id": str(_one(db, select(AccessToken.id).where(AccessToken.user_id == teacher.id))),
        "message_id": str(uuid.uuid4()),
        "sequence": str(_one(db, select(StatusList.sequence).where(StatusList.organization_id == org_id))),
    }  # fmt: skip


def _other_objects(
    db: Session, settings: Settings, users: dict[str, User], lakeside: Any
) -> dict[str, Any]:
    return {"lakeside": lakeside}
