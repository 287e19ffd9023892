"""The organization's admin area: who may open it, what it counts and links, the navigation's
Admin link, and pending invitations resent or revoked."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, Invitation, Membership, OutboxMessage, Role
from app.services.orgs import admin_area
from app.services.orgs.organizations import add_member
from tests.review.support import make_definition
from tests.support import WebClient, counting, make_org, make_user

NAV_ADMIN = re.compile(r'<a href="([^"]+)"[^>]*>Admin</a>')


@pytest.fixture
def district(db):
    org = make_org(db, "riverbend", "Riverbend")
    lakeside = make_org(db, "lakeside", "Lakeside")
    make_user(db, "boss@riverbend.org", org=org, role=Role.ADMIN)
    make_user(db, "coach@riverbend.org", org=org, role=Role.COACH)
    make_user(db, "tess@riverbend.org", org=org)
    make_user(db, "boss@lakeside.org", org=lakeside, role=Role.ADMIN)
    make_user(db, "root@laurel.org", platform_admin=True)
    return org, lakeside


def test_the_hub_counts_and_links_every_admin_page(web: WebClient, db, district) -> None:
    org, _ = district
    make_definition(db, org)
    web.sign_in("boss@riverbend.org")
    web.post("/orgs/riverbend/invitations", {"email": "new@riverbend.org", "role": "teacher"})
    page = web.page("/orgs/riverbend/admin")
    text = " ".join(page.split())
    assert "Administer Riverbend" in page
    assert "3 members: 1 teacher, 1 coach, 1 admin." in text
    assert "1 invitation waiting for an answer." in text
    assert "0 modules and 1 micro-credential." in text
    for href in (
        "/orgs/riverbend/members",
        "/orgs/riverbend/modules",
        "/orgs/riverbend/micro-credentials",
        "/orgs/riverbend/review",
        "/orgs/riverbend/admin/impact",
        "/orgs/riverbend/credentials",
        "/orgs/riverbend/awards",
        "/orgs/riverbend/admin/issuer",
        "/orgs/riverbend/settings/sso",
        "/orgs/riverbend/admin/audit",
        "/orgs/riverbend/admin/privacy",
    ):
        assert f'href="{href}"' in page, href
        assert web.get(href).status_code == 200, href


def test_the_hub_runs_the_same_queries_whatever_the_size(db, engine, district) -> None:
    org, _ = district
    boss = db.scalar(select(Membership).where(Membership.role == Role.ADMIN)).user
    assert boss.memberships  # loaded with the user on every request
    with counting(engine) as small_queries:
        small = admin_area.overview(db, boss, org)
    for n in range(5):
        make_user(db, f"t{n}@riverbend.org", org=org)
    db.expire_all()
    assert boss.memberships
    with counting(engine) as big_queries:
        bigger = admin_area.overview(db, boss, org)
    assert bigger.members[Role.TEACHER] == small.members[Role.TEACHER] + 5
    assert len(big_queries) == len(small_queries) <= 6


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("tess@riverbend.org", 403),
        ("coach@riverbend.org", 403),
        ("boss@lakeside.org", 403),
        ("boss@riverbend.org", 200),
        ("root@laurel.org", 200),
    ],
)
def test_only_its_admins_and_platform_admins_open_the_hub(
    web: WebClient, district, who: str, status: int
) -> None:
    web.sign_in(who)
    assert web.get("/orgs/riverbend/admin").status_code == status


def test_platform_admins_administer_every_organization(web: WebClient, district) -> None:
    web.sign_in("root@laurel.org")
    found = NAV_ADMIN.search(web.page("/"))
    assert found is not None
    assert found.group(1) == "/administer"
    assert 'href="/orgs/lakeside/admin"' in web.page("/admin/organizations")
    for path in ("/orgs/lakeside/admin", "/orgs/lakeside/members", "/orgs/lakeside/credentials"):
        assert web.get(path).status_code == 200, path
    chooser = web.page("/administer")
    assert 'href="/orgs/lakeside/admin"' in chooser
    assert 'href="/orgs/riverbend/admin"' in chooser


def test_the_navigation_offers_admin_to_admins_only(web: WebClient, db, district) -> None:
    _org, lakeside = district
    web.sign_in("tess@riverbend.org")
    home = web.page("/")
    assert NAV_ADMIN.search(home) is None
    assert ">My credentials</a>" in home
    web.client.cookies.clear()
    web.sign_in("coach@riverbend.org")
    assert NAV_ADMIN.search(web.page("/")) is None

    web.client.cookies.clear()
    web.sign_in("boss@riverbend.org")
    found = NAV_ADMIN.search(web.page("/"))
    assert found is not None
    assert found.group(1) == "/orgs/riverbend/admin"

    # an admin of two organizations chooses one
    boss = db.scalar(select(Membership).where(Membership.role == Role.ADMIN)).user
    add_member(db, lakeside, boss, Role.ADMIN)
    db.commit()
    found = NAV_ADMIN.search(web.page("/"))
    assert found is not None
    assert found.group(1) == "/administer"
    chooser = web.page("/administer")
    assert 'href="/orgs/lakeside/admin"' in chooser
    assert 'href="/orgs/riverbend/admin"' in chooser

    web.client.cookies.clear()
    web.sign_in("tess@riverbend.org")
    assert "You do not administer any organization." in web.page("/administer")


def _invite(web: WebClient, email: str = "new@riverbend.org") -> str:
    assert (
        web.post("/orgs/riverbend/invitations", {"email": email, "role": "coach"}).status_code
        == 303
    )
    return web.link_in_mail(email)


def test_pending_invitations_are_listed_with_their_dates(web: WebClient, db, district) -> None:
    web.sign_in("boss@riverbend.org")
    _invite(web)
    invitation = db.scalar(select(Invitation))
    page = web.page("/orgs/riverbend/members")
    assert '<th scope="row">new@riverbend.org</th>' in page
    assert invitation.expires_at.strftime("%Y-%m-%d") in page
    assert f"/orgs/riverbend/invitations/{invitation.id}/resend" in page
    assert f"/orgs/riverbend/invitations/{invitation.id}/revoke" in page


def test_resend_sends_a_working_link_and_the_old_one_stops(
    web: WebClient, web2: WebClient, db, district
) -> None:
    web.sign_in("boss@riverbend.org")
    old_link = _invite(web)
    invitation = db.scalar(select(Invitation))
    old_expiry = invitation.expires_at
    resent = web.post(f"/orgs/riverbend/invitations/{invitation.id}/resend")
    assert resent.status_code == 303
    new_link = web.link_in_mail("new@riverbend.org")
    assert new_link != old_link
    db.expire_all()
    assert db.get(Invitation, invitation.id).expires_at >= old_expiry

    make_user(db, "new@riverbend.org")
    web2.sign_in("new@riverbend.org")
    assert web2.get(old_link).status_code == 422
    assert "not valid" in web2.get(old_link).text
    assert web2.post(new_link).status_code == 303
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "invitation"))
    assert sorted(actions) == ["member.invitation_resent", "member.invited"]


def test_a_double_clicked_resend_sends_once(web: WebClient, db, district) -> None:
    web.sign_in("boss@riverbend.org")
    _invite(web)
    invitation = db.scalar(select(Invitation))
    members = web.page("/orgs/riverbend/members")
    shown = re.search(r'name="expires" value="([^"]+)"', members)
    assert shown is not None
    url = f"/orgs/riverbend/invitations/{invitation.id}/resend"
    first = web.post(url, {"expires": shown.group(1)})
    second = web.post(url, {"expires": shown.group(1)})
    assert (first.status_code, second.status_code) == (303, 409)
    assert "the latest e-mail holds the working link" in second.text
    mails = select(func.count()).where(OutboxMessage.to_address == "new@riverbend.org")
    assert db.scalar(mails) == 2  # the invitation and one resend
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "invitation"))
    assert sorted(actions) == ["member.invitation_resent", "member.invited"]
    assert web.post(url, {"expires": "not a time"}).status_code == 422
    assert db.scalar(mails) == 2


def test_resending_obeys_the_mail_limits(web: WebClient, db, district, settings) -> None:
    web.sign_in("boss@riverbend.org")
    _invite(web)
    invitation = db.scalar(select(Invitation))
    attempts = settings.mail_max_per_recipient_per_hour + 3
    for _ in range(attempts):
        assert web.post(f"/orgs/riverbend/invitations/{invitation.id}/resend").status_code == 303
    queued = db.scalar(select(func.count()).where(OutboxMessage.to_address == "new@riverbend.org"))
    assert 1 <= queued <= settings.mail_max_per_recipient_per_hour + 1 < attempts + 1


def test_a_revoked_invitation_link_is_gone(web: WebClient, web2: WebClient, db, district) -> None:
    web.sign_in("boss@riverbend.org")
    link = _invite(web)
    invitation = db.scalar(select(Invitation))
    assert web.post(f"/orgs/riverbend/invitations/{invitation.id}/revoke").status_code == 303
    make_user(db, "new@riverbend.org")
    web2.sign_in("new@riverbend.org")
    shown = web2.get(link)
    assert shown.status_code == 404
    assert "withdrawn" in shown.text
    assert web2.post(link).status_code == 404
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Membership)) == 4
    assert "No invitation is waiting" in web.page("/orgs/riverbend/members")
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "member.invitation_revoked"))
    assert event.target_id == str(invitation.id)
    assert event.client_address is not None
    again = web.post(f"/orgs/riverbend/invitations/{invitation.id}/revoke")
    assert again.status_code == 404


@pytest.mark.parametrize("action", ["resend", "revoke"])
def test_another_organizations_admin_cannot_touch_an_invitation(
    web: WebClient, web2: WebClient, db, district, action: str
) -> None:
    web.sign_in("boss@riverbend.org")
    _invite(web)
    invitation = db.scalar(select(Invitation))
    before = (invitation.token_hash, invitation.expires_at)
    web2.sign_in("boss@lakeside.org")
    assert web2.post(f"/orgs/riverbend/invitations/{invitation.id}/{action}").status_code == 403
    assert web2.post(f"/orgs/lakeside/invitations/{invitation.id}/{action}").status_code == 404
    web2.client.cookies.clear()
    web2.sign_in("coach@riverbend.org")
    assert web2.post(f"/orgs/riverbend/invitations/{invitation.id}/{action}").status_code == 403
    db.expire_all()
    kept = db.get(Invitation, invitation.id)
    assert (kept.token_hash, kept.expires_at, kept.revoked_at) == (*before, None)
    assert db.scalar(select(func.count()).where(AuditEvent.target_type == "invitation")) == 1
