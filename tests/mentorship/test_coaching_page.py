"""The coaching page: goals, the conversation, private notes, progress, and who may see it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.db import utcnow
from app.models import (
    Award,
    CoachingMessage,
    Enrollment,
    EnrollmentStatus,
    MicroCredential,
    Notification,
    OutboxMessage,
    Submission,
    SubmissionStatus,
)
from app.services.notifications import delivery as notifications
from tests.communities.conftest import login
from tests.learning_support import published
from tests.mentorship.conftest import World, pair
from tests.support import WebClient


def test_coach_and_teacher_talk_set_goals_and_the_coach_keeps_private_notes(
    web: WebClient, web2: WebClient, db, settings, world: World
) -> None:
    made = pair(db, settings, world, world.coach, world.ana)
    url = f"/coaching/{made.id}"
    login(web, "coach@school.org")
    login(web2, "ana@school.org")

    sent = web.post(
        f"{url}/messages", {"body": "Try **one** exit ticket.<script>alert(1)</script>"}
    )
    assert sent.status_code == 303
    teacher_view = web2.get(url).text
    assert "Try <strong>one</strong> exit ticket." in teacher_view
    assert "<script>alert" not in teacher_view
    note = db.scalars(
        select(Notification)
        .where(Notification.user_id == world.ana.id)
        .order_by(Notification.created_at.desc())
    ).first()
    assert note.title == "New coaching message from Casey Coach"
    assert note.url == url
    assert "Try **one** exit ticket" in web2.last_mail("ana@school.org").body_text

    assert web2.post(f"{url}/messages", {"body": "Will do!"}).status_code == 303
    assert "Will do!" in web.get(url).text

    assert web.post(f"{url}/notes", {"note": "Seems anxious about data."}).status_code == 303
    assert "Seems anxious about data." in web.get(url).text
    assert "Seems anxious about data." not in web2.page(url)
    assert "Private notes" not in web2.page(url)
    refused = web2.post(f"{url}/notes", {"note": "I am not the coach"})
    assert refused.status_code == 403
    assert (
        db.scalar(select(CoachingMessage).where(CoachingMessage.body == "I am not the coach"))
        is None
    )

    assert (
        web2.post(
            f"{url}/goals", {"title": "Three exit tickets a week", "due_on": "2027-01-15"}
        ).status_code
        == 303
    )
    page = web.get(url).text
    assert "Three exit tickets a week" in page
    assert "due 2027-01-15" in page
    assert (
        "Ana Alvarez set a coaching goal: Three exit tickets a week"
        in web.last_mail("coach@school.org").subject
    )
    goal_id = page.split(f"{url}/goals/")[1].split("/status")[0]
    assert web.post(f"{url}/goals/{goal_id}/status", {"status": "achieved"}).status_code == 303
    assert "&#39;Three exit tickets a week&#39; is achieved." in web.get(url).text


def test_bad_input_gets_clear_messages_and_writes_nothing(
    web: WebClient, db, settings, world: World
) -> None:
    made = pair(db, settings, world, world.coach, world.ana)
    url = f"/coaching/{made.id}"
    login(web, "coach@school.org")
    for path, form, status, message in [
        ("messages", {"body": "   "}, 422, "Write between 1 and 10000 characters."),
        ("messages", {"body": "x" * 10_001}, 422, "Write between 1 and 10000 characters."),
        ("goals", {"title": ""}, 422, "Give the goal a title"),
        ("goals", {"title": "Ok", "due_on": "next week"}, 422, "Give the due date as YYYY-MM-DD."),
        (
            "goals/00000000-0000-0000-0000-000000000000/status",
            {"status": "achieved"},
            404,
            "no such goal",
        ),
    ]:
        response = web.post(f"{url}/{path}", form)
        assert response.status_code == status, response.text
        assert message in response.text
    assert web.get(url).text.count("No goals yet.") == 1
    assert db.scalar(select(CoachingMessage)) is None


def test_nobody_else_sees_a_coaching_page(web: WebClient, db, settings, world: World) -> None:
    made = pair(db, settings, world, world.coach, world.ana)
    url = f"/coaching/{made.id}"
    others = ["ben@school.org", "coach2@school.org", "boss@hillside.org", "admin@school.org"]
    for email in others:
        login(web, email)
        assert web.get(url).status_code == 404, email
        assert web.post(f"{url}/messages", {"body": "hi"}).status_code == 404
        assert web.post(f"{url}/goals", {"title": "mine"}).status_code == 404
        assert web.post(f"{url}/notes", {"note": "peek"}).status_code == 404
        assert "Ana Alvarez" not in web.page("/coaching")
    web.client.cookies.clear()
    assert web.get(url).status_code == 303  # to sign in
    assert db.scalar(select(CoachingMessage)) is None


def test_an_ended_mentorship_stays_readable_but_closed(
    web: WebClient, db, settings, world: World
) -> None:
    made = pair(db, settings, world, world.coach, world.ana)
    login(web, "ana@school.org")
    assert (
        web.post(f"/coaching/{made.id}/messages", {"body": "Thanks for everything"}).status_code
        == 303
    )
    made.ended_at = utcnow()
    db.commit()
    page = web.get(f"/coaching/{made.id}")
    assert "Thanks for everything" in page.text
    assert "the page is kept for reference" in page.text
    refused = web.post(f"/coaching/{made.id}/messages", {"body": "Hello?"})
    assert refused.status_code == 409
    assert "has ended" in refused.text
    assert "No coach is assigned to you yet" in web.get("/coaching").text


def _progress_for_ana(db, world: World) -> None:
    first = published(db, world.org, "Exit Tickets That Work")
    second = published(db, world.org, "Questioning Strategies")
    now = utcnow()
    db.add_all(
        [
            Enrollment(
                user_id=world.ana.id,
                module_id=first.id,
                family_id=first.family_id,
                status=EnrollmentStatus.COMPLETED,
                enrolled_at=now - timedelta(days=3),
                completed_at=now,
                pd_hours_awarded=Decimal("1.5"),
            ),
            Enrollment(
                user_id=world.ana.id,
                module_id=second.id,
                family_id=second.family_id,
                enrolled_at=now,
            ),
        ]
    )
    mc = MicroCredential(organization_id=world.org.id, family_id=first.family_id, name="Assessment")
    db.add(mc)
    db.flush()
    db.add(
        Submission(
            organization_id=world.org.id,
            micro_credential_id=mc.id,
            user_id=world.ana.id,
            status=SubmissionStatus.SUBMITTED,
        )
    )
    db.add(Award(organization_id=world.org.id, user_id=world.ana.id, micro_credential_id=mc.id))
    db.commit()


def test_coach_sees_mentees_progress_and_teacher_sees_coaches(
    web: WebClient, web2: WebClient, db, settings, world: World
) -> None:
    made = pair(db, settings, world, world.coach, world.ana)
    pair(db, settings, world, world.coach, world.ben)
    pair(db, settings, world, world.coach2, world.ana)
    _progress_for_ana(db, world)
    login(web, "coach@school.org")
    overview = web.get("/coaching").text
    ana_row = overview.split(f'href="/coaching/{made.id}">Ana Alvarez</a>')[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in ana_row.split("<td>")[1:]]
    assert cells == ["Riverbend", "2", "1", "1.5", "1", "0", "1"]
    assert "Ben Brown" in overview
    assert "Your coaches" not in overview  # a coach with mentees and no coach of their own
    summary = web.get(f"/coaching/{made.id}").text
    assert "<dt>PD hours</dt><dd>1.5</dd>" in summary
    assert "<dt>Micro-credentials earned</dt><dd>1</dd>" in summary

    login(web2, "ana@school.org")
    mine = web2.get("/coaching").text
    assert "Casey Coach" in mine
    assert "Cory Coach" in mine
    assert "Your mentees" not in mine


def test_mentee_progress_takes_the_same_queries_for_many_mentees(
    db, settings, world: World, engine
) -> None:
    from app.services.mentorship import pairs as coaching
    from bench.community_data import count_queries

    pair(db, settings, world, world.coach, world.ana)
    db.expire_all()
    assert world.coach.display_name
    with count_queries(engine) as few:
        assert len(coaching.mentees(db, world.coach)) == 1
    for teacher in (world.ben, world.cleo, world.admin):
        pair(db, settings, world, world.coach, teacher)
    _progress_for_ana(db, world)
    db.expire_all()
    assert world.coach.display_name
    with count_queries(engine) as many:
        rows = coaching.mentees(db, world.coach)
    assert len(rows) == 4
    # mentorships (with coach, teacher, organization), their memberships, then three for progress
    assert len(many) == len(few) <= 7


def test_preferences_list_every_kind_and_turning_off_coaching_mail_works(
    web: WebClient, web2: WebClient, db, settings, world: World
) -> None:
    made = pair(db, settings, world, world.coach, world.ana)
    login(web2, "ana@school.org")
    page = web2.get("/account/notifications").text
    assert "coaching" in notifications.KINDS
    for key, kind in notifications.KINDS.items():
        assert f'value="{key}"' in page
        assert kind.label in page
    kept = [k for k in notifications.KINDS if k != "coaching"]
    assert web2.post("/account/notifications", {"email": kept}).status_code == 303
    login(web, "coach@school.org")
    before = db.query(OutboxMessage).filter_by(to_address="ana@school.org").count()
    web.post(f"/coaching/{made.id}/messages", {"body": "Quiet, please"})
    db.expire_all()
    assert db.query(OutboxMessage).filter_by(to_address="ana@school.org").count() == before
    bell = web2.get("/").text
    assert '<span class="badge">' in bell
    assert "New coaching message from Casey Coach" in web2.get("/notifications").text


def test_pd_hours_are_shown_without_exponents_or_trailing_zeros() -> None:
    from app.services.mentorship.progress import Progress

    shown = [Progress(pd_hours=Decimal(v)).pd_hours_text for v in ("0", "1.50", "10.00", "0.25")]
    assert shown == ["0", "1.5", "10", "0.25"]
