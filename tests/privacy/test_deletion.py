"""Delete my account: confirmation, sessions ended, the grace period, cancel, then erasure."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from app.db import utcnow
from app.kit.storage import storage_for
from app.models import (
    AuditEvent,
    EvidenceFile,
    IssuedCredential,
    Role,
    User,
    UserSession,
)
from app.services.impact import figures as impact_figures
from app.services.impact.period import default_period
from app.services.privacy import deletion, scheduled
from tests.privacy.support import (
    TEXTS,
    aggregate_counts,
    audit_count,
    login,
    make_rich,
    search_hits,
    text_hits,
)
from tests.support import PASSWORD, make_user


def _sessions(db, user) -> int:
    db.expire_all()
    return db.scalar(select(func.count(UserSession.id)).where(UserSession.user_id == user.id)) or 0


def _due_now(db, user) -> None:
    db.expire_all()
    fresh = db.get(User, user.id)
    fresh.deletion_due_at = utcnow() - timedelta(seconds=1)
    db.commit()


def _report_figures(db, org) -> dict[str, object]:
    """The organization's impact figures that erasing one person must not change."""
    db.expire_all()
    figures = impact_figures.gather(db, org, default_period())
    return {
        "people": sum(group.people for group in figures.members),
        "by_status": sum((Counter({g.status: g.people}) for g in figures.members), Counter()),
        "monthly": figures.monthly,
        "first_try": figures.first_try,
        "credential_people": figures.credential_people,
        "pathways": figures.pathways,
        "communities": figures.communities,
    }


def _evidence_keys(db, rich) -> set[str]:
    return {f.storage_key for a in rich.submission.attempts for f in a.files}


def test_the_page_explains_the_choices(web, web2, db) -> None:
    rich = make_rich(db, web, web2)
    assert rich
    page = web.page("/account/delete")
    assert "Keep them verifiable" in page
    assert "Revoke them" in page
    assert "14 days" in page
    assert "download a copy of your data" in page
    assert 'href="/account/delete"' in web.page("/account")


def test_a_wrong_confirmation_changes_nothing(web, web2, db) -> None:
    rich = make_rich(db, web, web2)
    w = rich.world
    for confirmation in ("", "someone@else.org", "wrong password"):
        response = web.post(
            "/account/delete", {"credentials": "keep", "confirmation": confirmation}
        )
        assert response.status_code == 422
        assert "exactly to confirm" in response.text
    bad_choice = web.post(
        "/account/delete", {"credentials": "explode", "confirmation": w.teacher.email}
    )
    assert bad_choice.status_code == 422
    db.expire_all()
    assert db.get(User, w.teacher.id).deletion_due_at is None
    assert _sessions(db, w.teacher) == 1


def test_request_signs_out_everywhere_and_cancel_keeps_everything(
    web, web2, db, settings, session_factory
) -> None:
    rich = make_rich(db, web, web2)
    w = rich.world
    before = aggregate_counts(db)
    login(web2, w.teacher.email)  # a second device
    assert _sessions(db, w.teacher) == 2
    done = web.post("/account/delete", {"credentials": "keep", "confirmation": PASSWORD})
    assert done.status_code == 303
    assert _sessions(db, w.teacher) == 0
    assert web.get("/account").status_code == 303  # signed out
    db.expire_all()
    teacher = db.get(User, w.teacher.id)
    assert teacher.deletion_due_at is not None
    assert timedelta(days=13) < teacher.deletion_due_at - utcnow() <= timedelta(days=14)

    # signing in again within the grace period shows the banner; the run erases nothing yet
    web.sign_in(w.teacher.email)
    home = web.page("/account")
    assert "scheduled for deletion" in home
    assert scheduled.run(session_factory, settings).accounts_erased == 0
    cancelled = web.post("/account/delete/cancel")
    assert cancelled.status_code == 303
    db.expire_all()
    teacher = db.get(User, w.teacher.id)
    assert teacher.deletion_due_at is None
    assert teacher.deleted_at is None
    assert "scheduled for deletion" not in web.page("/account")
    assert aggregate_counts(db) == before
    assert not text_hits(db, [deletion.ERASED_TEXT])
    storage = storage_for(settings)
    assert all(storage.exists(k) for k in _evidence_keys(db, rich))
    assert web.post("/account/delete/cancel").status_code == 303  # nothing to cancel: told so


def test_erasure_leaves_no_personal_data_and_keeps_the_counts(
    web, web2, db, settings, session_factory
) -> None:
    rich = make_rich(db, web, web2)
    w = rich.world
    storage = storage_for(settings)
    keys = _evidence_keys(db, rich)
    assert len(keys) == 2
    assert all(storage.exists(k) for k in keys)
    assert web.post("/account/data").status_code == 303  # a ready export, removed as well
    needles = [w.teacher.email, w.teacher.display_name, *TEXTS.values()]
    assert {needle for _t, _c, needle in text_hits(db, needles)} == set(needles)
    assert search_hits(db, "snarfwidget") == 1
    assert search_hits(db, "plinkerton") >= 1
    login(web2, w.admin.email)
    hub_members = int(
        re.search(r"(\d+) members?:", web2.page(f"/orgs/{w.org.slug}/admin")).group(1)
    )
    login(web2, w.coach.email)
    before = aggregate_counts(db)
    report_before = _report_figures(db, w.org)
    events_before = audit_count(db)
    credential_id = db.scalars(
        select(IssuedCredential.id).where(IssuedCredential.recipient_user_id == w.teacher.id)
    ).one()

    assert (
        web.post(
            "/account/delete", {"credentials": "keep", "confirmation": w.teacher.email}
        ).status_code
        == 303
    )
    _due_now(db, w.teacher)
    report = scheduled.run(session_factory, settings)
    assert report.accounts_erased == 1

    hits = text_hits(db, needles)
    assert hits == [], hits
    assert search_hits(db, "snarfwidget") == 0
    assert search_hits(db, "plinkerton") == 0
    assert search_hits(db, "pair") == 1  # the coach's reply is still found
    assert not any(storage.exists(k) for k in keys)
    assert list(storage.list_files()) == []  # her export ZIP went too
    assert aggregate_counts(db) == before
    assert _report_figures(db, w.org) == report_before
    assert report_before["people"] >= 4
    assert audit_count(db) > events_before  # nothing removed from the audit trail
    db.expire_all()
    teacher = db.get(User, w.teacher.id)
    assert teacher.email == f"deleted-{teacher.id}@deleted.invalid"
    assert teacher.display_name == "Deleted account"
    assert teacher.password_hash is None
    assert teacher.is_active is False
    assert teacher.deleted_at is not None
    assert db.scalar(select(func.count(EvidenceFile.id))) == 0
    erased = db.scalars(select(AuditEvent).where(AuditEvent.action == "account.erased")).one()
    assert erased.subject_id == w.teacher.id
    # the credential stays verifiable (not revoked) but is no longer public
    credential = db.get(IssuedCredential, credential_id)
    assert credential.revoked_at is None
    assert credential.is_public is False
    # she cannot sign in any more
    response = web.post("/signin", {"email": w.teacher.email, "password": PASSWORD})
    assert response.status_code == 401
    # the member list no longer shows her, while her colleague is still there; nor does the
    # admin area count her
    members = web2.page(f"/orgs/{w.org.slug}/members")
    assert "Deleted account" not in members
    assert w.teacher2.display_name in members
    login(web, w.admin.email)
    assert re.search(r"(\d+) members?:", web.page(f"/orgs/{w.org.slug}/admin")).group(1) == str(
        hub_members - 1
    )
    # a second run does nothing more
    assert scheduled.run(session_factory, settings).accounts_erased == 0


def test_erasure_revokes_credentials_when_she_chose_so(
    web, web2, db, settings, session_factory
) -> None:
    rich = make_rich(db, web, web2)
    w = rich.world
    assert (
        web.post("/account/delete", {"credentials": "revoke", "confirmation": PASSWORD}).status_code
        == 303
    )
    _due_now(db, w.teacher)
    assert deletion.erase_due(session_factory, settings) == 1
    db.expire_all()
    credential = db.scalars(
        select(IssuedCredential).where(IssuedCredential.recipient_user_id == w.teacher.id)
    ).one()
    assert credential.revoked_at is not None
    assert credential.revocation_reason == deletion.REVOKE_REASON
    assert db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "credential.revoked",
            AuditEvent.target_id == str(credential.id),
        )
    ).one()


def test_others_are_untouched(web, web2, db, settings, session_factory) -> None:
    rich = make_rich(db, web, web2)
    w = rich.world
    assert (
        web.post("/account/delete", {"credentials": "keep", "confirmation": PASSWORD}).status_code
        == 303
    )
    _due_now(db, w.teacher)
    scheduled.run(session_factory, settings)
    db.expire_all()
    theo = db.get(User, w.teacher2.id)
    assert theo.email == "teacher2@riverbend.org"
    assert theo.is_active
    hits = {needle for _t, _c, needle in text_hits(db, ["Theo's own reflection", "Theo liked it"])}
    assert hits == {"Theo's own reflection", "Theo liked it"}
    assert text_hits(db, ["Try a quick think-pair-share."])  # the coach's reply stays


def test_signed_out_people_cannot_reach_the_pages(web) -> None:
    for path in ("/account/delete", "/account/data", "/account/access"):
        response = web.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin")
    assert web.post("/account/delete", {"credentials": "keep"}).status_code == 303
    assert web.post("/account/delete", with_csrf=False).status_code == 403


def test_the_last_admin_hands_over_first(web, web2, db) -> None:
    rich = make_rich(db, web, web2)
    w = rich.world
    login(web, w.admin.email)
    refused = web.post("/account/delete", {"credentials": "keep", "confirmation": w.admin.email})
    assert refused.status_code == 409
    assert "only administrator of Riverbend" in refused.text
    db.expire_all()
    assert db.get(User, w.admin.id).deletion_due_at is None
    assert _sessions(db, w.admin) == 1
    make_user(db, "second@riverbend.org", org=w.org, role=Role.ADMIN)
    done = web.post("/account/delete", {"credentials": "keep", "confirmation": w.admin.email})
    assert done.status_code == 303
