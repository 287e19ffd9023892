"""Organizations: invitations, roles, SSO settings and platform administration."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, Invitation, Membership, Organization, Role
from app.services.orgs.domains import set_verified_domains, verified_domains
from tests.support import WebClient, make_org, make_user


def test_admin_invites_a_teacher_who_accepts(web: WebClient, web2: WebClient, db) -> None:
    org = make_org(db)
    make_user(db, "boss@school.org", org=org, role=Role.ADMIN)
    web.sign_in("boss@school.org")
    sent = web.post("/orgs/riverbend/invitations", {"email": "New@School.org", "role": "coach"})
    assert sent.status_code == 303
    link = web.link_in_mail("new@school.org")
    assert link.startswith("/invitations/")

    invitee = make_user(db, "new@school.org")
    anonymous_view = web2.get(link)
    assert "Sign in to accept" in anonymous_view.text
    web2.sign_in("new@school.org")
    assert "Accept and join" in web2.get(link).text
    assert web2.post(link).status_code == 303
    db.expire_all()
    membership = db.scalar(select(Membership).where(Membership.user_id == invitee.id))
    assert membership is not None
    assert membership.role == Role.COACH
    again = web2.post(link)
    assert again.status_code == 422
    assert "already been accepted" in again.text


def test_invitation_for_someone_else_cannot_be_accepted(web: WebClient, web2: WebClient, db):
    org = make_org(db)
    make_user(db, "boss@school.org", org=org, role=Role.ADMIN)
    make_user(db, "intruder@school.org")
    web.sign_in("boss@school.org")
    web.post("/orgs/riverbend/invitations", {"email": "new@school.org", "role": "admin"})
    link = web.link_in_mail("new@school.org")
    web2.sign_in("intruder@school.org")
    response = web2.post(link)
    assert response.status_code == 403
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Membership)) == 1


def test_invite_rejects_bad_email_and_existing_members(web: WebClient, db) -> None:
    org = make_org(db)
    make_user(db, "boss@school.org", org=org, role=Role.ADMIN)
    make_user(db, "member@school.org", org=org)
    web.sign_in("boss@school.org")
    bad = web.post("/orgs/riverbend/invitations", {"email": "nope", "role": "teacher"})
    assert bad.status_code == 422
    assert "not a valid e-mail" in bad.text
    dup = web.post("/orgs/riverbend/invitations", {"email": "member@school.org", "role": "coach"})
    assert dup.status_code == 409
    assert "already a member" in dup.text
    role = web.post("/orgs/riverbend/invitations", {"email": "x@school.org", "role": "owner"})
    assert role.status_code == 422
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Invitation)) == 0


def test_admin_changes_a_role_and_it_is_audited(web: WebClient, db) -> None:
    org = make_org(db)
    boss = make_user(db, "boss@school.org", org=org, role=Role.ADMIN)
    teacher = make_user(db, "t@school.org", org=org)
    membership = db.scalar(select(Membership).where(Membership.user_id == teacher.id))
    web.sign_in("boss@school.org")
    response = web.post(f"/orgs/riverbend/members/{membership.id}/role", {"role": "coach"})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Membership, membership.id).role == Role.COACH
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "member.role_changed"))
    assert event.actor_id == boss.id
    assert event.detail == {"old": "teacher", "new": "coach"}


def test_last_admin_cannot_be_demoted_or_removed(web: WebClient, db) -> None:
    org = make_org(db)
    boss = make_user(db, "boss@school.org", org=org, role=Role.ADMIN)
    membership = db.scalar(select(Membership).where(Membership.user_id == boss.id))
    web.sign_in("boss@school.org")
    demote = web.post(f"/orgs/riverbend/members/{membership.id}/role", {"role": "teacher"})
    assert demote.status_code == 409
    assert "at least one administrator" in demote.text
    remove = web.post(f"/orgs/riverbend/members/{membership.id}/remove")
    assert remove.status_code == 409
    db.expire_all()
    assert db.get(Membership, membership.id).role == Role.ADMIN


def test_membership_of_another_organization_is_not_found(web: WebClient, db) -> None:
    riverbend, other = make_org(db), make_org(db, "lakeside")
    make_user(db, "boss@school.org", org=riverbend, role=Role.ADMIN)
    stranger = make_user(db, "s@lakeside.org", org=other)
    membership = db.scalar(select(Membership).where(Membership.user_id == stranger.id))
    web.sign_in("boss@school.org")
    response = web.post(f"/orgs/riverbend/members/{membership.id}/role", {"role": "admin"})
    assert response.status_code == 404
    db.expire_all()
    assert db.get(Membership, membership.id).role == Role.TEACHER


def test_unknown_organization_slug_is_404(web: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    web.sign_in("ada@school.org")
    response = web.get("/orgs/atlantis/members")
    assert response.status_code == 404
    assert "no organization called" in response.text


def test_platform_admin_creates_an_organization(web: WebClient, db) -> None:
    make_user(db, "root@laurel.org", platform_admin=True)
    web.sign_in("root@laurel.org")
    bad = web.post("/admin/organizations", {"slug": "Bad Slug!", "name": "X", "kind": "district"})
    assert bad.status_code == 422
    assert "lower-case letters" in bad.text
    ok = web.post(
        "/admin/organizations",
        {"slug": "hillview", "name": "Hillview Schools", "kind": "district"},
    )
    assert ok.status_code == 303
    dup = web.post("/admin/organizations", {"slug": "hillview", "name": "Y", "kind": "agency"})
    assert dup.status_code == 409
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Organization)) == 1


def test_sso_settings_store_the_secret_encrypted(web: WebClient, db) -> None:
    from app.models import OidcProvider

    org = make_org(db)
    make_user(db, "boss@school.org", org=org, role=Role.ADMIN)
    web.sign_in("boss@school.org")
    bad = web.post(
        "/orgs/riverbend/settings/sso",
        {"issuer_url": "ftp://x", "client_id": "abc", "client_secret": "s3cret", "enabled": "1"},
    )
    assert bad.status_code == 422
    assert "https://" in bad.text
    ok = web.post(
        "/orgs/riverbend/settings/sso",
        {
            "issuer_url": "https://id.example.org",
            "client_id": "abc",
            "client_secret": "s3cret",
            "enabled": "1",
        },
    )
    assert ok.status_code == 303
    db.expire_all()
    provider = db.scalar(select(OidcProvider))
    assert provider.client_id == "abc"
    assert "s3cret" not in provider.client_secret_encrypted
    page = web.get("/orgs/riverbend/settings/sso")
    assert "s3cret" not in page.text
    assert "https://id.example.org" in page.text


def test_only_platform_admins_verify_an_organizations_email_domains(web: WebClient, db) -> None:
    riverbend = make_org(db)
    make_user(db, "boss@riverbend.org", org=riverbend, role=Role.ADMIN)
    make_user(db, "root@laurel.org", platform_admin=True)
    web.sign_in("boss@riverbend.org")
    refused = web.post("/admin/organizations/riverbend/domains", {"domains": "gmail.com"})
    assert refused.status_code == 403
    assert verified_domains(db, riverbend) == []
    web.post("/signout")
    web.sign_in("root@laurel.org")
    saved = web.post(
        "/admin/organizations/riverbend/domains",
        {"domains": "riverbend.org\nRiverbend-Schools.ORG"},
    )
    assert saved.status_code == 303
    db.expire_all()
    assert verified_domains(db, riverbend) == [
        "riverbend-schools.org",
        "riverbend.org",
    ]
    assert "riverbend-schools.org" in web.get("/admin/organizations/riverbend/domains").text
    trimmed = web.post("/admin/organizations/riverbend/domains", {"domains": "riverbend.org"})
    assert trimmed.status_code == 303
    db.expire_all()
    assert verified_domains(db, riverbend) == ["riverbend.org"]
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("organization.domain_%"))
    ).all()
    assert sorted(actions) == [
        "organization.domain_removed",
        "organization.domain_verified",
        "organization.domain_verified",
    ]


def test_org_admins_see_their_verified_domains_on_the_sso_page(web: WebClient, db) -> None:
    riverbend = make_org(db)
    make_user(db, "boss@riverbend.org", org=riverbend, role=Role.ADMIN)
    make_user(db, "coach@riverbend.org", org=riverbend, role=Role.COACH)
    root = make_user(db, "root@laurel.org", platform_admin=True)
    set_verified_domains(db, root, make_org(db, "lakeside"), "lakeside.org")
    web.sign_in("boss@riverbend.org")
    assert "has no verified e-mail domains" in web.get("/orgs/riverbend/settings/sso").text
    set_verified_domains(db, root, riverbend, "riverbend.org\nriverbend-schools.org")
    db.commit()

    page = web.get("/orgs/riverbend/settings/sso")

    assert page.status_code == 200
    listed = page.text.split('id="verified-domains"')[1].split("</ul>")[0]
    assert "<li>riverbend-schools.org</li>" in listed
    assert "<li>riverbend.org</li>" in listed
    assert "lakeside.org" not in page.text
    assert 'name="domains"' not in page.text  # read-only: platform admins change them
    web.post("/signout")
    web.sign_in("coach@riverbend.org")
    refused = web.get("/orgs/riverbend/settings/sso")
    assert refused.status_code == 403
    assert "riverbend-schools.org" not in refused.text


@pytest.mark.parametrize(
    ("domains", "status", "reason"),
    [
        ("riverbend.org", 409, "already verified for another organization"),
        ("boss@lakeside.org", 422, "is not a domain name"),
        ("lakeside", 422, "is not a domain name"),
    ],
)
def test_a_domain_that_is_taken_or_malformed_is_refused(
    web: WebClient, db, domains: str, status: int, reason: str
) -> None:
    root = make_user(db, "root@laurel.org", platform_admin=True)
    set_verified_domains(db, root, make_org(db), "riverbend.org")
    lakeside = make_org(db, "lakeside")
    set_verified_domains(db, root, lakeside, "lakeside.org")
    db.commit()
    web.sign_in("root@laurel.org")
    response = web.post("/admin/organizations/lakeside/domains", {"domains": domains})
    assert response.status_code == status
    assert reason in response.text
    db.expire_all()
    assert verified_domains(db, lakeside) == ["lakeside.org"]
