"""Once a message is sent, the outbox keeps no usable one-time link: the token that went out is
gone from the stored body, and the link from the sent message still works."""

from __future__ import annotations

from app.models import OutboxStatus, Role
from tests.support import PASSWORD, WebClient, make_org, make_user


def stored_copy_has_no_token(web: WebClient, to: str) -> str:
    link = web.link_in_mail(to)
    token = link.split("token=")[-1].removeprefix("/invitations/")
    assert len(token) >= 40
    stored = web.last_mail(to)
    assert stored.status == OutboxStatus.SENT
    assert token not in stored.body_text
    assert "[removed-after-sending]" in stored.body_text
    return link


def test_sent_account_links_are_removed_from_the_outbox(web: WebClient, db) -> None:
    web.post("/signup", {"email": "nia@school.org", "display_name": "Nia", "password": PASSWORD})
    assert web.get(stored_copy_has_no_token(web, "nia@school.org")).status_code == 303

    web.post("/password/forgot", {"email": "nia@school.org"})
    assert web.get(stored_copy_has_no_token(web, "nia@school.org")).status_code == 200

    web.sign_in("nia@school.org")
    web.post("/account/email", {"new_email": "nia@district.org", "password": PASSWORD})
    assert web.get(stored_copy_has_no_token(web, "nia@district.org")).status_code == 303


def test_sent_invitation_links_are_removed_from_the_outbox(web: WebClient, db) -> None:
    org = make_org(db)
    make_user(db, "boss@school.org", org=org, role=Role.ADMIN)
    web.sign_in("boss@school.org")
    web.post("/orgs/riverbend/invitations", {"email": "new@school.org", "role": "teacher"})
    assert web.get(stored_copy_has_no_token(web, "new@school.org")).status_code == 200
