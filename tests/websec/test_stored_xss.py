"""Stored XSS: hostile text written through the real forms never runs in a real browser.

Each payload goes into every field below through its form (HTTP posts with the CSRF token, as a
browser sends them), then every page showing it is opened in Debian's Chromium with the CSP
bypassed (so escaping alone is tested), a ``window.__xss`` sentinel and a dialog handler, and the
DOM is checked for event-handler attributes and ``javascript:`` links.
``LAUREL_SECURITY_FULL=1`` runs the whole payload corpus.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import migrate
from app.db import make_engine, make_session_factory
from app.demo import district as demo
from app.main import create_app
from app.models import Community, CommunityMember, Mentorship, User
from app.services.identity import sessions
from app.settings import Settings
from app.web import csrf
from tests.conftest import unavailable
from tests.fake_oidc import ServerThread, free_port
from tests.support import cached_hash

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
FULL = os.environ.get("LAUREL_SECURITY_FULL") == "1"
RUN = "window.__xss = (window.__xss || 0) + 1"
CORPUS = [
    f"<script>{RUN}</script>",
    f'"><img src=x onerror="{RUN}">',
    f'<svg onload="{RUN}"></svg>',
    f'[link](javascript:{RUN}) ![img](x" onerror="{RUN})',
    f'\'><details open ontoggle="{RUN}">',
    f"</textarea></title><script>{RUN}</script>",
    f"javascript:{RUN}",
    f'<a href="javascript:{RUN}">x</a>',
    f'<iframe srcdoc="<script>parent.{RUN.replace("window.", "")}</script>"></iframe>',
    f"{{{{7*7}}}} ${{7*7}} <style>@import 'x'</style><math><mtext><script>{RUN}</script>",
]
PAYLOADS = CORPUS if FULL else [CORPUS[0], CORPUS[1], CORPUS[3]]
DOM_CHECK = """() => {
  const urls = ['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'data'];
  return [...document.querySelectorAll('*')].flatMap(el => [...el.attributes]
    .filter(a => a.name.startsWith('on')
      || (urls.includes(a.name) && /^\\s*javascript:/i.test(a.value)))
    .map(a => el.tagName + ' ' + a.name + '=' + a.value));
}"""


@dataclass
class Site:
    """The live server, its database and the demo's people and places."""

    url: str
    sessions: Any
    settings: Settings
    users: dict[str, uuid.UUID]
    community: str
    mentorship: uuid.UUID


def _seed(db: Session, settings: Settings) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo, "hash_password", cached_hash)
        patch.setattr(demo, "verify_password", lambda stored, given: stored == cached_hash(given))
        demo.seed_demo(db, settings)
    admin = db.scalar(select(User).where(User.email == "admin@riverbend.example"))
    assert admin is not None
    admin.is_platform_admin = True
    db.commit()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data_dir = tmp_path_factory.mktemp("xss")
    url = f"sqlite:///{data_dir / 'laurel.db'}"
    migrate.upgrade(url)
    port = free_port()
    settings = Settings(
        environment="test",
        base_url=f"http://127.0.0.1:{port}",
        data_dir=data_dir,
        database_url=url,
        secret_key="browser-test-secret-0123456789abcdef",  # type: ignore[arg-type]
        mail_backend="console",
        mail_drain_after_request=False,
        community_new_account_posts_per_hour=1000,  # every payload is posted by one person
    )
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as db:
        _seed(db, settings)
        users = {u.email.split("@")[0]: u.id for u in db.scalars(select(User))}
        community = db.scalar(
            select(Community.slug)
            .join(CommunityMember)
            .where(CommunityMember.user_id == users["teacher"])
        )
        mentorship = db.scalar(
            select(Mentorship.id).where(Mentorship.teacher_id == users["teacher"])
        )
    assert community is not None
    assert mentorship is not None
    with ServerThread(create_app(settings, engine=engine), port):
        yield Site(settings.base_url, factory, settings, users, community, mentorship)
    engine.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed")
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


class Author:
    """One signed-in person posting forms over HTTP, as their browser would."""

    def __init__(self, site: Site, who: str) -> None:
        with site.sessions() as db:
            user = db.get_one(User, site.users[who])
            self.session = sessions.start_session(db, site.settings, user, ip=None, user_agent=None)
            db.commit()
        cookie = csrf.new_cookie_value()
        self.token = csrf.form_token(site.settings.secret, cookie)
        self.http = httpx.Client(
            base_url=site.url,
            cookies={"laurel_session": self.session, csrf.CSRF_COOKIE: cookie},
            follow_redirects=False,
        )

    def post(self, path: str, data: dict[str, str]) -> str:
        """Post a form that must be accepted; the page it leads to."""
        response = self.http.post(path, data={**data, csrf.CSRF_FIELD: self.token})
        if response.status_code == 201:  # the page was answered directly (a new token)
            return path
        assert response.status_code == 303, (path, response.status_code, _error(response.text))
        return str(response.headers["location"]).split("#")[0]


COMMUNITY_FIELDS = ("community name", "community description", "community guidelines")
COACHING_FIELDS = ("coaching message", "coach's note", "goal title", "goal description")


def _error(page: str) -> str:
    found = re.search(r'class="(?:error|field-error)[^"]*"[^>]*>([^<]*)', page)
    return found.group(1) if found else page[-400:]


def _write_everywhere(
    site: Site, payload: str, n: int
) -> list[tuple[str, tuple[str, ...], list[str]]]:
    """Write the payload into every field; (who looks, field, pages showing it)."""
    admin, teacher, coach = (Author(site, w) for w in ("admin", "teacher", "coach"))
    org, c = "/orgs/riverbend", f"/orgs/riverbend/communities/{site.community}"
    coaching = f"/coaching/{site.mentorship}"
    written = []
    admin.post("/account/tokens", {"name": payload[:100], "scopes": "account:read"})
    written.append(("admin", ("token name",), ["/account"]))
    admin.post("/admin/organizations", {"slug": f"xss-{n}", "name": payload, "kind": "district"})
    written.append(("admin", ("organization name",), ["/admin/organizations"]))
    edit = admin.post(f"{org}/modules", {"title": payload[:200]})
    written.append(("admin", ("module title",), [f"{org}/modules", edit]))
    community = admin.post(
        f"{org}/communities",
        {"slug": f"xss-{n}", "name": payload[:120], "description": payload, "guidelines": payload},
    )
    written.append(("admin", COMMUNITY_FIELDS, [f"{org}/communities", community]))
    thread = teacher.post(f"{c}/threads", {"title": payload[:200], "body": payload})
    written.append(("teacher", ("thread title", "thread body"), [c, thread]))
    teacher.post(thread.split("?")[0] + "/replies", {"body": payload})
    written.append(("teacher", ("reply",), [thread]))
    teacher.post(
        f"{c}/resources",
        {
            "title": payload[:200],
            "description": payload,
            "url": "https://example.org/r",
            "tags": "xss",
        },
    )
    written.append(("teacher", ("resource title", "resource description"), [f"{c}/resources"]))
    coach.post(f"{coaching}/messages", {"body": payload})
    coach.post(f"{coaching}/notes", {"note": payload})
    coach.post(f"{coaching}/goals", {"title": payload[:200], "description": payload})
    written.append(("coach", COACHING_FIELDS, [coaching]))
    written.append(("teacher", (), [coaching]))
    teacher.post("/learning/goals", {"goals": payload})
    written.append(("teacher", ("learning goals",), ["/learning/goals"]))
    return written


def _open(chromium: Any, site: Site, who: str, paths: list[str]) -> list[str]:
    """Open each page signed in as ``who``; what ran or could run."""
    context = chromium.new_context(bypass_csp=True)
    with site.sessions() as db:
        user = db.get_one(User, site.users[who])
        raw = sessions.start_session(db, site.settings, user, ip=None, user_agent=None)
        db.commit()
    context.add_cookies([{"name": "laurel_session", "value": raw, "url": site.url}])
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    problems = []
    for path in paths:
        response = tab.goto(site.url + path)
        assert response is not None
        assert response.status == 200, (who, path)
        tab.wait_for_timeout(50)
        if tab.evaluate("() => window.__xss || 0"):
            problems.append(f"{who} {path}: a payload ran")
        problems += [f"{who} {path}: {attr}" for attr in tab.evaluate(DOM_CHECK)]
    problems += [f"{who}: dialog {m}" for m in dialogs]
    context.close()
    return problems


FIELDS = 16
PAGES_PER_PAYLOAD = 13


def test_no_stored_payload_runs_in_the_browser(site: Site, chromium: Any) -> None:
    problems, shown, fields = [], 0, set()
    for n, payload in enumerate(PAYLOADS):
        for who, names, pages in _write_everywhere(site, payload, n):
            problems += _open(chromium, site, who, pages)
            shown += len(pages)
            fields.update(names)
    assert problems == []
    assert len(fields) == FIELDS
    assert shown == len(PAYLOADS) * PAGES_PER_PAYLOAD


def test_the_sentinel_sees_a_payload_that_does_run(site: Site, chromium: Any) -> None:
    """The detector is not blind: the same payload inserted as HTML trips it."""
    context = chromium.new_context(bypass_csp=True)
    tab = context.new_page()
    tab.goto(site.url + "/signin")
    tab.evaluate("(html) => document.body.insertAdjacentHTML('beforeend', html)", CORPUS[1])
    tab.wait_for_function("() => window.__xss === 1")
    assert tab.evaluate(DOM_CHECK) != []
    context.close()
