"""Audit events are recorded about an object: its type name, id and organization come from it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.kit import audit
from app.models import (
    AccessToken,
    AuditEvent,
    Award,
    Community,
    CommunityMember,
    EvidenceFile,
    Exemplar,
    Invitation,
    IssuedCredential,
    Membership,
    Mentorship,
    MicroCredential,
    Module,
    OidcProvider,
    Organization,
    Pathway,
    PathwayStep,
    Post,
    PostReport,
    Submission,
    Thread,
    User,
)
from app.models.audit import AppendOnly
from app.services.learning import pathways
from tests.support import make_org, make_user

STORED_NAMES = {
    AccessToken: "access_token",
    Award: "award",
    Community: "community",
    EvidenceFile: "evidence_file",
    Exemplar: "community_exemplar",
    CommunityMember: "community_member",
    Post: "community_post",
    PostReport: "community_report",
    Thread: "community_thread",
    IssuedCredential: "credential",
    Invitation: "invitation",
    Membership: "membership",
    Mentorship: "mentorship",
    MicroCredential: "micro_credential",
    Module: "module",
    OidcProvider: "oidc_provider",
    Organization: "organization",
    Pathway: "pathway",
    Submission: "submission",
    User: "user",
}


def _stored(db: Session, event: AuditEvent) -> AuditEvent:
    db.commit()
    db.expire_all()
    return db.scalars(select(AuditEvent).where(AuditEvent.id == event.id)).one()


def test_each_target_class_keeps_the_type_name_already_stored() -> None:
    for cls, name in STORED_NAMES.items():
        assert audit.target_type(cls()) == name
    assert set(audit.TARGET_TYPES) == set(STORED_NAMES)


def test_an_event_about_an_org_object_is_filed_under_its_organization(db: Session) -> None:
    org = make_org(db)
    teacher = make_user(db, "ada@example.org", org=org)
    pathway = pathways.create_pathway(db, org.id, "Fractions", "", [])
    event = audit.record(db, "pathway.created", pathway, actor=teacher, note="first")
    row = _stored(db, event)
    assert (row.action, row.target_type, row.target_id) == (
        "pathway.created",
        "pathway",
        str(pathway.id),
    )
    assert (row.organization_id, row.actor_id, row.detail) == (
        org.id,
        teacher.id,
        {"note": "first"},
    )


def test_an_event_about_an_organization_is_filed_under_it(db: Session) -> None:
    org = make_org(db, "hillside")
    row = _stored(db, audit.record(db, "organization.renamed", org, actor=None))
    assert (row.target_type, row.target_id) == ("organization", str(org.id))
    assert (row.organization_id, row.actor_id) == (org.id, None)


def test_an_event_about_a_person_has_no_organization_unless_given(db: Session) -> None:
    org = make_org(db, "lakeside")
    user = make_user(db, "bo@example.org")
    alone = _stored(db, audit.record(db, "account.created", user, actor=user))
    given = _stored(db, audit.record(db, "sso.link_held", user, actor=None, organization_id=org.id))
    assert (alone.target_type, alone.target_id, alone.organization_id) == (
        "user",
        str(user.id),
        None,
    )
    assert (given.organization_id, given.actor_id) == (org.id, None)


def test_the_organization_given_wins_over_the_targets_own(db: Session) -> None:
    org, other = make_org(db, "north"), make_org(db, "south")
    pathway = pathways.create_pathway(db, org.id, "Decimals", "", [])
    row = _stored(
        db, audit.record(db, "pathway.shared", pathway, actor=None, organization_id=other.id)
    )
    assert row.organization_id == other.id


def test_an_object_that_is_no_audit_target_is_refused_and_nothing_is_recorded(
    db: Session,
) -> None:
    org = make_org(db, "east")
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(TypeError, match="PathwayStep is not an audit target"):
        audit.record(db, "pathway.step_added", PathwayStep(), actor=None, organization_id=org.id)
    db.commit()
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_an_object_not_yet_saved_is_refused(db: Session) -> None:
    org = make_org(db, "west")
    with pytest.raises(ValueError, match=r"flush the pathway before recording 'pathway\.created'"):
        audit.record(db, "pathway.created", Pathway(organization_id=org.id), actor=None)


def test_an_event_names_whose_records_it_touched(db: Session) -> None:
    org = make_org(db, "subjects")
    teacher = make_user(db, "cy@example.org", org=org)
    admin = make_user(db, "di@example.org")
    membership = db.scalars(select(Membership).where(Membership.user_id == teacher.id)).one()
    about_person = _stored(db, audit.record(db, "profile.viewed", teacher, actor=admin))
    about_membership = _stored(db, audit.record(db, "member.viewed", membership, actor=admin))
    named = _stored(db, audit.record(db, "org.viewed", org, actor=admin, subject_id=teacher.id))
    unnamed = _stored(db, audit.record(db, "organization.renamed", org, actor=admin))
    assert [e.subject_id for e in (about_person, about_membership, named, unnamed)] == [
        teacher.id,
        teacher.id,
        teacher.id,
        None,
    ]


def test_an_event_keeps_the_address_of_the_client_being_served(db: Session) -> None:
    org = make_org(db, "addresses")
    served = audit.client_address.set("203.0.113.7")
    try:
        during = _stored(db, audit.record(db, "organization.renamed", org, actor=None))
    finally:
        audit.client_address.reset(served)
    after = _stored(db, audit.record(db, "organization.renamed", org, actor=None))
    assert (during.client_address, after.client_address) == ("203.0.113.7", None)


def test_the_web_layer_sets_the_client_address_for_each_request() -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from app.middleware import RequestContextMiddleware

    def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(audit.client_address.get() or "none")

    inner = Starlette(routes=[Route("/", echo)])
    wrapped = RequestContextMiddleware(
        inner, max_form_bytes=1000, max_json_bytes=1000, max_upload_bytes=1000, hsts=False
    )
    with TestClient(wrapped, client=("198.51.100.4", 5000)) as client:
        assert client.get("/").text == "198.51.100.4"
    assert audit.client_address.get() is None


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_a_recorded_event_can_be_neither_changed_nor_deleted(db: Session, change: str) -> None:
    org = make_org(db, "append-only")
    row = _stored(db, audit.record(db, "organization.renamed", org, actor=None, name="Old"))
    if change == "edit":
        row.detail = {"name": "Forged"}
    else:
        db.delete(row)
    with pytest.raises(AppendOnly, match="append-only"):
        db.flush()
    db.rollback()
    kept = db.scalars(select(AuditEvent).where(AuditEvent.id == row.id)).one()
    assert kept.detail == {"name": "Old"}
