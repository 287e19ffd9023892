"""Communities in a real browser: ask, answer, mark helpful, report, hide; notifications; no XSS."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from app.db import utcnow
from app.models import Notification, Role, User
from app.services.communities import digest, exemplars
from app.services.communities import membership as communities
from app.services.orgs import organizations
from tests.browser.conftest import LiveServer, assert_accessible
from tests.support import cached_hash

pytestmark = pytest.mark.browser
PASSWORD = "browser-community-pass"
BASE = "/orgs/brook/communities"
XSS = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 1">',
    '<iframe src="javascript:window.__xss=1"></iframe>',
    "[click me](javascript:window.__xss=1)",
    '<a href="#" onmouseover="window.__xss = 1">hover</a>',
]


@pytest.fixture(scope="module")
def brook(live_server: LiveServer) -> None:
    with live_server.sessions() as db:
        org = organizations.create_organization(db, None, slug="brook", name="Brook District")
        people = {}
        for email, name, role in [
            ("fran@brook.example", "Fran Facilitator", Role.COACH),
            ("tess@brook.example", "Tess Teacher", Role.TEACHER),
            ("carl@brook.example", "Carl Colleague", Role.TEACHER),
            ("rita@brook.example", "Rita Reporter", Role.TEACHER),
        ]:
            user = User(
                email=email,
                display_name=name,
                password_hash=cached_hash(PASSWORD),
                email_verified_at=utcnow(),
            )
            db.add(user)
            db.flush()
            organizations.add_member(db, org, user, role)
            people[email] = user
        communities.create_community(
            db, org, people["fran@brook.example"], slug="science", name="Science inquiry",
            guidelines="Keep student names out of posts.",
        )  # fmt: skip
        db.commit()


def sign_in(browser: Any, base: str, email: str) -> Any:
    context = browser.new_context(bypass_csp=True)  # lets the test inject axe-core
    page = context.new_page()
    page.goto(base + "/signin")
    page.get_by_label("E-mail address").first.fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name=re.compile("Hello")).wait_for()
    return page


def join(page: Any, base: str) -> None:
    page.goto(base + BASE + "/science")
    page.get_by_role("button", name="Join this community").click()
    assert "Welcome to Science inquiry" in page.get_by_role("status").inner_text()


def test_ask_answer_helpful_report_hide(browser, live_server: LiveServer, brook) -> None:
    base = live_server.url
    tess = sign_in(browser, base, "tess@brook.example")
    tess.goto(base + BASE)
    assert_accessible(tess)
    join(tess, base)
    assert "Keep student names out of posts." in tess.content()
    assert_accessible(tess)
    tess.get_by_label("Title").fill("How do you run a density lab?")
    tess.get_by_label("Your question or idea").fill("Ideas welcome, @carl-colleague!")
    tess.set_input_files(
        "#files", files=[{"name": "plan.txt", "mimeType": "text/plain", "buffer": b"Step 1"}]
    )
    tess.get_by_role("button", name="Post", exact=True).click()
    tess.get_by_role("heading", name="How do you run a density lab?").wait_for()
    thread_url = tess.url
    assert tess.get_by_role("link", name="plan.txt").is_visible()
    assert_accessible(tess)

    carl = sign_in(browser, base, "carl@brook.example")
    assert carl.get_by_role("link", name=re.compile("Notifications 1")).is_visible()
    carl.goto(base + "/notifications")
    assert_accessible(carl)
    carl.get_by_role("button", name=re.compile("Tess Teacher mentioned you")).click()
    carl.get_by_role("heading", name="How do you run a density lab?").wait_for()
    join(carl, base)
    carl.goto(thread_url)
    carl.get_by_label("Your reply").fill("Use **syrup, water and oil** in one tall glass.")
    carl.get_by_role("button", name="Post reply").click()
    assert "Your reply is posted" in carl.get_by_role("status").inner_text()

    tess.goto(thread_url)
    tess.get_by_role("button", name="Mark as helpful answer").click()
    assert tess.get_by_text("Helpful answer").first.is_visible()
    assert_accessible(tess)

    rita = sign_in(browser, base, "rita@brook.example")
    join(rita, base)
    rita.goto(thread_url)
    rita.get_by_role("link", name="Report the post by Carl Colleague").click()
    assert_accessible(rita)
    rita.get_by_label("Reason").fill("Off topic advertising")
    rita.get_by_role("button", name="Send report").click()
    assert "facilitators will look" in rita.get_by_role("status").inner_text()

    fran = sign_in(browser, base, "fran@brook.example")
    fran.goto(base + BASE + "/science/moderation")
    assert "Off topic advertising" in fran.content()
    assert_accessible(fran)
    fran.get_by_role("button", name="Hide the post reported by Rita Reporter").click()
    assert "The post is hidden" in fran.get_by_role("status").inner_text()
    carl.goto(thread_url)
    assert "A facilitator hid this post." in carl.content()
    assert_accessible(carl)
    for path in ("/members", "/resources"):
        fran.goto(base + BASE + "/science" + path)
        assert_accessible(fran)
    fran.goto(base + BASE + "/search?q=density")
    assert fran.get_by_role("link", name="How do you run a density lab?").is_visible()
    assert_accessible(fran)
    fran.goto(base + "/account/notifications")
    assert_accessible(fran)

    with live_server.sessions() as db:
        carl_id = db.scalar(select(User.id).where(User.email == "carl@brook.example"))
        kinds = set(db.scalars(select(Notification.kind).where(Notification.user_id == carl_id)))
    assert {"mention", "moderation"} <= kinds
    for page in (tess, carl, rita, fran):
        page.context.close()


def test_stored_xss_never_runs(browser, live_server: LiveServer, brook) -> None:
    base = live_server.url
    writer = sign_in(browser, base, "rita@brook.example")
    dialogs: list[str] = []
    writer.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    writer.goto(base + BASE + "/science")
    if writer.get_by_role("button", name="Join this community").count():
        join(writer, base)
    writer.get_by_label("Title").fill("<script>window.__xss = 1</script> title")
    writer.get_by_label("Your question or idea").fill("\n\n".join(XSS))
    writer.get_by_role("button", name="Post", exact=True).click()
    writer.get_by_role("heading", name=re.compile("title")).wait_for()
    thread_url = writer.url
    writer.get_by_label("Your reply").fill("\n\n".join(reversed(XSS)))
    writer.get_by_role("button", name="Post reply").click()

    reader = sign_in(browser, base, "tess@brook.example")
    reader.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for url in (thread_url, base + BASE + "/science", base + BASE + "/search?q=click"):
        reader.goto(url)
        assert "<script>window.__xss = 1</script> title" in reader.get_by_role("main").inner_text()
        reader.mouse.move(5, 5)
        for link in reader.locator("main a").all():
            link.hover()
        assert reader.evaluate("window.__xss") is None
        assert reader.locator("main script, main iframe, main img").count() == 0
    assert dialogs == []
    writer.context.close()
    reader.context.close()


def test_edit_history_gallery_and_unsubscribe_pages_pass_axe(
    browser, live_server: LiveServer, brook
) -> None:
    base = live_server.url
    with live_server.sessions() as db:
        org = organizations.get_by_slug(db, "brook")
        fran = db.scalar(select(User).where(User.email == "fran@brook.example"))
        communities.create_community(
            db, org, fran, slug="mc-inquiry", name="Inquiry credential",
            attached_kind="micro_credential", attached_ref="mc-inquiry",
        )  # fmt: skip
        db.flush()
        ctx = communities.access(db, org, "mc-inquiry", fran)
        exemplars.share(
            db, live_server.settings, ctx,
            exemplars.EarnedEvidence(
                credential_kind="micro_credential", credential_ref="mc-inquiry",
                evidence_ref="sub-9", owner_id=fran.id, title="Lab notebook sample",
                reflection="Students wrote **claims** first.",
            ),
            consent=True,
        )  # fmt: skip
        token = digest.unsubscribe_token(live_server.settings, fran)
        db.commit()
    page = sign_in(browser, base, "fran@brook.example")
    page.goto(base + BASE + "/mc-inquiry/exemplars")
    assert page.get_by_role("heading", name="Lab notebook sample").is_visible()
    assert_accessible(page)
    page.goto(base + BASE + "/mc-inquiry")
    page.get_by_label("Title").fill("Claim, evidence, reasoning")
    page.get_by_label("Your question or idea").fill("First version")
    page.get_by_role("button", name="Post", exact=True).click()
    page.get_by_role("link", name="Edit your post").click()
    assert_accessible(page)
    page.get_by_label("Your post").fill("Second version")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("link", name="edited").click()
    assert "First version" in page.content()
    assert_accessible(page)
    page.context.close()
    anonymous = browser.new_context(bypass_csp=True).new_page()
    anonymous.goto(f"{base}/digest/unsubscribe?token={token}")
    assert_accessible(anonymous)
    anonymous.get_by_role("button", name="Stop the digest").click()
    assert "will no longer get" in anonymous.get_by_role("status").inner_text()
    assert_accessible(anonymous)
    anonymous.context.close()


def _widest_navigation(live_server: LiveServer) -> str:
    """A platform administrator who also coaches and administers Brook: every link the main
    navigation can show."""
    email = "ada@brook.example"
    with live_server.sessions() as db:
        if db.scalar(select(User).where(User.email == email)) is None:
            org = organizations.get_by_slug(db, "brook")
            user = User(
                email=email,
                display_name="Ada Administrator",
                password_hash=cached_hash(PASSWORD),
                email_verified_at=utcnow(),
                is_platform_admin=True,
            )
            db.add(user)
            db.flush()
            organizations.add_member(db, org, user, Role.ADMIN)
            db.commit()
    return email


def test_navigation_is_one_row_on_a_desktop_and_a_menu_on_a_phone(
    browser, live_server: LiveServer, brook
) -> None:
    page = sign_in(browser, live_server.url, _widest_navigation(live_server))
    page.set_viewport_size({"width": 1280, "height": 800})
    nav = page.get_by_role("navigation", name="Main")
    shown = ("Dashboard", "Communities", "My credentials", "Review", "Admin", "Notifications")
    for name in shown:
        assert nav.get_by_role("link", name=name, exact=True).is_visible(), name
    tops = nav.locator(".nav-wide > li").evaluate_all("items => items.map(i => i.offsetTop)")
    assert len(tops) == 11  # the 10 links and "More"
    assert len(set(tops)) == 1, tops
    brand = page.get_by_role("link", name="Laurel").bounding_box()
    first = nav.get_by_role("link", name="Dashboard").bounding_box()
    assert brand is not None
    assert first is not None
    assert abs(brand["y"] + brand["height"] / 2 - (first["y"] + first["height"] / 2)) < 8
    assert not nav.locator(".nav-menu > summary").is_visible()
    more = nav.locator(".nav-wide summary")
    more.focus()
    page.keyboard.press("Enter")
    assert nav.get_by_role("link", name="Account").is_visible()
    assert nav.get_by_role("link", name="Organizations").is_visible()
    assert_accessible(page)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    menu = nav.locator(".nav-menu > summary")
    assert menu.is_visible()
    assert not nav.get_by_role("link", name="Communities").is_visible()  # collapsed
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    assert_accessible(page)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    assert menu.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    communities_link = nav.get_by_role("link", name="Communities")
    assert communities_link.is_visible()
    assert nav.get_by_role("button", name="Sign out").is_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    assert_accessible(page)
    page.keyboard.press("Tab")
    dashboard = nav.get_by_role("link", name="Dashboard")
    assert dashboard.evaluate("el => el === document.activeElement")
    communities_link.click()
    page.get_by_role("heading", name=re.compile("Communities")).first.wait_for()
    assert page.url.endswith("/orgs/brook/communities")
