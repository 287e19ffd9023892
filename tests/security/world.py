"""One seeded "world" for the authorization suites: two organizations, their people, and one
real object of every kind a route can name, so path parameters are real ids."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.demo.district import seed_demo
from app.kit.storage.uploads import Upload
from app.models import (
    AccessToken,
    Activity,
    Community,
    CommunityMember,
    DataExport,
    DefinitionStatus,
    EvidenceAttempt,
    EvidenceFile,
    Exemplar,
    Invitation,
    Mentorship,
    MicroCredential,
    Module,
    Notification,
    Organization,
    Pathway,
    Post,
    PostReport,
    PostStatus,
    Resource,
    Role,
    Section,
    StatusList,
    Submission,
    Thread,
    User,
)
from app.models.mentorship import CoachingGoal, CoachingMessage
from app.services.communities import membership as communities
from app.services.communities import threads
from app.services.identity import access_tokens, sessions
from app.services.identity.scopes import SCOPES
from app.services.review import drafts, evidence
from app.settings import Settings
from app.web import csrf
from tests.credentials_support import issue_to
from tests.review.support import make_definition, png_bytes
from tests.support import make_org, make_user

ROLES = ("anonymous", "teacher", "coach", "admin", "other_admin", "platform")
"""Who calls each route: nobody, three members of riverbend, lakeside's admin, the platform."""


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
    other: dict[str, str]
    """Ids of another teacher's objects and of the other organization's, for object-level
    cases (see ``SECRETS``)."""


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
    callers = {role: _caller(db, settings, users.get(role)) for role in (*ROLES, "other_teacher")}
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
    thread = _one(
        db,
        select(Thread)
        .where(Thread.community_id == community.id)
        .order_by(Thread.created_at, Thread.id),
    )
    post = _one(db, select(Post).where(Post.thread_id == thread.id, Post.is_opening.is_(False)))
    submission = _one(
        db,
        select(Submission).where(Submission.user_id == teacher.id, Submission.decided_at.is_(None)),
    )
    mentorship = _one(db, select(Mentorship).where(Mentorship.teacher_id == teacher.id))
    credential = issue_to(db, settings, users["admin"].memberships[0].organization, teacher)
    db.add(Notification(user_id=teacher.id, kind="test", title="Matrix", url="/"))
    db.add(DataExport(user_id=teacher.id))  # still being prepared: its download is not found
    invitation = Invitation(
        organization_id=org_id,
        email="invited@riverbend.example",
        role=Role.TEACHER,
        token_hash="matrix-invitation",
        expires_at=utcnow() + timedelta(days=7),
    )
    db.add(invitation)
    db.flush()
    return {
        "invitation_id": str(invitation.id),
        "slug": "riverbend",
        "membership_id": str(users["other_teacher"].memberships[0].id),
        "token": "no-such-invitation-token",
        "module_id": str(module.id),
        "family_id": str(module.family_id),
        "activity_id": str(activity.id),
        "section_id": str(section.id),
        "item_id": str(activity.id),
        "action": "archive",
        "pathway_id": _id(db, Pathway.id, Pathway.organization_id == org_id),
        "credential_id": str(credential.id),
        "fmt": "json",
        "definition_id": str(submission.micro_credential_id),
        "community": community.slug,
        "community_id": str(community.id),
        "member_id": _id(
            db,
            CommunityMember.id,
            CommunityMember.community_id == community.id,
            CommunityMember.user_id == users["other_teacher"].id,
        ),
        "thread_id": str(thread.id),
        "user_id": str(users["other_teacher"].id),  # a member of {community}
        "flag": "pin",
        "post_id": str(post.id),
        "report_id": _id(db, PostReport.id, PostReport.community_id == community.id),
        "resource_id": _id(db, Resource.id, Resource.community_id == community.id),
        "exemplar_id": _id(db, Exemplar.id, Exemplar.owner_id == teacher.id),
        "attachment_id": str(uuid.uuid4()),
        "submission_id": str(submission.id),
        "file_id": _id(
            db,
            EvidenceFile.id,
            EvidenceFile.attempt_id == EvidenceAttempt.id,
            EvidenceAttempt.submission_id == submission.id,
        ),
        "mentorship_id": str(mentorship.id),
        "goal_id": _id(db, CoachingGoal.id, CoachingGoal.mentorship_id == mentorship.id),
        "notification_id": _id(db, Notification.id, Notification.user_id == teacher.id),
        "token_id": _id(db, AccessToken.id, AccessToken.user_id == teacher.id),
        "export_id": _id(db, DataExport.id, DataExport.user_id == teacher.id),
        "message_id": str(uuid.uuid4()),
        "sequence": _id(db, StatusList.sequence, StatusList.organization_id == org_id),
        "table": "summary",
    }


def _id(db: Session, column: Any, *where: Any) -> str:
    value = db.scalars(select(column).where(*where)).first()
    assert value is not None, (column, where)
    return str(value)


SECRETS = {
    "draft": "Priya-only draft: the seating chart that finally worked",
    "submission": "Lakeside-only reflection: our bell schedule experiment",
    "credential": "Priya Private Recognition in Restorative Circles",
    "other_credential": "Lakeside Private Recognition in Lab Safety",
    "message": "Priya-only coaching message about her observation",
    "note": "Coach-only private note about Priya",
    "other_member": "Quentin Lakeside-Member",
    "other_definition": "Lakeside Unpublished Inquiry Badge",
    "hidden_post": "Reply hidden by moderators: a parent phone number 555-0142",
}
"""Distinctive strings of objects callers must not read; each appears only in its object."""


def _draft(definition: MicroCredential, text: str) -> drafts.DraftInput:
    draft = drafts.DraftInput()
    for req in evidence.requirements(definition):
        if req["kind"] == evidence.REFLECTION:
            draft.responses[req["key"]] = text
        elif req["kind"] == evidence.FILES:
            draft.uploads[req["key"]] = [Upload("lesson.png", png_bytes())]
    return draft


def _other_objects(
    db: Session, settings: Settings, users: dict[str, User], lakeside: Organization
) -> dict[str, str]:
    """Another teacher's objects in riverbend and lakeside's objects, by name -> id."""
    priya, coach = users["other_teacher"], users["coach"]
    riverbend = users["admin"].memberships[0].organization
    fresh = make_definition(db, riverbend, name="Matrix Draft Credential")
    draft = evidence.start(db, priya, fresh.id)
    drafts.save_draft(db, settings, priya, draft.id, _draft(fresh, SECRETS["draft"]))
    mentorship = db.scalars(select(Mentorship).where(Mentorship.teacher_id == priya.id)).one()
    for private, body in ((False, SECRETS["message"]), (True, SECRETS["note"])):
        db.add(CoachingMessage(mentorship_id=mentorship.id, author_id=coach.id, body=body,
                               body_html=f"<p>{body}</p>", private=private))  # fmt: skip
    credential = issue_to(db, settings, riverbend, priya, name=SECRETS["credential"])
    hidden = _hidden_reply(db, settings, riverbend, priya)
    lake_teacher = users["lakeside_teacher"]
    lake_teacher.display_name = SECRETS["other_member"]
    lake_coach = make_user(db, "coach@lakeside.org", org=lakeside, role=Role.COACH)
    definition = make_definition(db, lakeside, name="Lakeside Lab Safety")
    submission = evidence.start(db, lake_teacher, definition.id)
    drafts.save_draft(
        db, settings, lake_teacher, submission.id, _draft(definition, SECRETS["submission"])
    )
    evidence.submit(db, settings, lake_teacher, submission.id, privacy=True)
    unpublished = make_definition(db, lakeside, name=SECRETS["other_definition"])
    unpublished.status, unpublished.published_at = DefinitionStatus.DRAFT, None
    lake_mentorship = Mentorship(
        organization_id=lakeside.id,
        coach_id=lake_coach.id,
        teacher_id=lake_teacher.id,
        assigned_by_id=lake_coach.id,
    )
    db.add(lake_mentorship)
    lake_credential = issue_to(db, settings, lakeside, lake_teacher,
                               name=SECRETS["other_credential"])  # fmt: skip
    db.flush()
    return {
        "draft": str(draft.id),
        "submission_priya": str(_submitted_with_file(db, priya).id),
        "file_priya": _id(
            db, EvidenceFile.id, EvidenceFile.attempt_id == EvidenceAttempt.id,
            EvidenceAttempt.submission_id == _submitted_with_file(db, priya).id,
        ),
        "credential_priya": str(credential.id),
        "hidden_post": str(hidden.id),
        "mentorship_priya": str(mentorship.id),
        "lakeside_submission": str(submission.id),
        "lakeside_file": _id(
            db, EvidenceFile.id, EvidenceFile.attempt_id == EvidenceAttempt.id,
            EvidenceAttempt.submission_id == submission.id,
        ),
        "lakeside_definition": str(unpublished.id),
        "lakeside_membership": str(lake_teacher.memberships[0].id),
        "lakeside_mentorship": str(lake_mentorship.id),
        "lakeside_credential": str(lake_credential.id),
    }  # fmt: skip


def _hidden_reply(db: Session, settings: Settings, org: Organization, author: User) -> Post:
    """A reply by ``author`` in middle-math that a moderator hid."""
    ctx = communities.access(db, org, "middle-math", author)
    thread = db.scalars(
        select(Thread)
        .where(Thread.community_id == ctx.community.id)
        .order_by(Thread.created_at, Thread.id)
    ).first()
    assert thread is not None
    quiet = settings.model_copy(update={"community_new_account_days": 0})
    post = threads.reply(db, quiet, ctx, thread.id, body=SECRETS["hidden_post"])
    post.status = PostStatus.HIDDEN
    db.flush()
    return post


def _submitted_with_file(db: Session, user: User) -> Submission:
    return db.scalars(
        select(Submission)
        .join(EvidenceAttempt, EvidenceAttempt.submission_id == Submission.id)
        .join(EvidenceFile, EvidenceFile.attempt_id == EvidenceAttempt.id)
        .where(Submission.user_id == user.id, Submission.submitted_at.is_not(None))
        .order_by(Submission.submitted_at)
    ).first() or pytest.fail("the demo gave the other teacher no submitted files")
