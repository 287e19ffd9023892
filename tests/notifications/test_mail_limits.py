"""Mail anyone can trigger is limited per recipient and per client address; past a limit the
page answers the same (nothing to learn about accounts) and the mail is just not sent again."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import OutboxMessage, Role
from tests.support import WebClient, make_org, make_user


def mails_to(db, address: str) -> int:
    db.expire_all()
    return db.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_address == address)
    )


def test_reset_mail_is_limited_per_recipient(web: WebClient, db, settings) -> None:
    settings.mail_max_per_recipient_per_hour = 2
    make_user(db, "ada@school.org")
    pages = [web.post("/password/forgot", {"email": "ada@school.org"}) for _ in range(3)]
    assert [page.status_code for page in pages] == [200, 200, 200]
    assert pages[2].text == pages[0].text
    assert mails_to(db, "ada@school.org") == 2


def test_account_mail_is_limited_per_client_address(
    web: WebClient, elsewhere: WebClient, db, settings
) -> None:
    settings.mail_max_per_client_per_hour = 2
    make_user(db, "ada@school.org")
    make_user(db, "bea@school.org", verified=False)
    make_user(db, "cy@school.org")
    asked = [
        web.post("/password/forgot", {"email": "ada@school.org"}),
        web.post("/verify-email/resend", {"email": "bea@school.org"}),
        web.post("/password/forgot", {"email": "cy@school.org"}),
    ]
    assert [page.status_code for page in asked] == [200, 200, 200]
    assert "reset link is on its way" in asked[2].text
    assert [mails_to(db, a) for a in ("ada@school.org", "bea@school.org", "cy@school.org")] == [
        1,
        1,
        0,
    ]
    assert elsewhere.post("/password/forgot", {"email": "cy@school.org"}).status_code == 200
    assert mails_to(db, "cy@school.org") == 1


def test_invitation_mail_is_limited_per_recipient_and_per_client(
    web: WebClient, db, settings
) -> None:
    settings.mail_max_per_recipient_per_hour = 1
    settings.invitations_max_per_client_per_hour = 3  # the repeat counts too
    org = make_org(db)
    make_user(db, "boss@school.org", org=org, role=Role.ADMIN)
    web.sign_in("boss@school.org")
    invited = [
        web.post("/orgs/riverbend/invitations", {"email": email, "role": "teacher"})
        for email in ("new@school.org", "new@school.org", "two@school.org", "three@school.org")
    ]
    assert [page.status_code for page in invited] == [303, 303, 303, 303]
    counts = [mails_to(db, a) for a in ("new@school.org", "two@school.org", "three@school.org")]
    assert counts == [1, 1, 0]
