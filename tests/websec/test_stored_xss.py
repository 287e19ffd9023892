"""Stored XSS: hostile text written through the real forms never runs in a real browser.

Each payload goes into every field below through its form (HTTP posts with the CSRF token, as a
browser sends them), then every page showing it is opened in Debian's Chromium with the CSP
bypassed (so escaping alone is tested), a ``window.__xss`` sentinel and a dialog handler, and the
DOM is checked for event-handler attributes and ``javascript:`` links; each page must show the
payload, so a page that lost it fails instead of passing unseen. Micro-credential text is seen by
its authors, teachers and anonymous visitors; evidence by coaches, before and after the decision.
``LAUREL_SECURITY_FULL=1`` runs the whole payload corpus.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import migrate
from app.db import make_engine, make_session_factory
from app.demo import district as demo
from app.main import create_app
from app.models import Activity, Community, CommunityMember, Mentorship, Section, User
from app.services.identity import sessions
from app.settings import Settings
from app.web import csrf
from tests.fake_oidc import ServerThread, free_port
from tests.support import cached_hash

pytestmark = pytest.mark.browser
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
    # a mention that becomes a link (the demo teacher reads the community), hostile around it
    f'@priya-raman"><img src=x onerror="{RUN}"> [@priya-raman](javascript:{RUN})',
]
PAYLOADS = CORPUS if FULL else [CORPUS[0], CORPUS[1], CORPUS[3], CORPUS[-1]]
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
            timeout=30,  # a loaded CI machine: a slow answer is not what this test is about
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
MODULE_FIELDS = ("module title", "section title", "activity title", "activity body")
MICROCREDENTIAL_FIELDS = (
    "micro-credential name",
    "micro-credential description",
    "micro-credential criteria",
    "competencies",
    "evidence requirement label",
    "evidence requirement guidance",
    "rubric criterion",
    "rubric criterion description",
    "rubric level label",
    "rubric level descriptors",
)
EVIDENCE_FIELDS = ("reflection", "link URL and title")
REVIEW_FIELDS = ("review feedback", "criterion comment")
Written = tuple[str, tuple[str, ...], list[str]]


def _error(page: str) -> str:
    found = re.search(r'class="(?:error|field-error)[^"]*"[^>]*>([^<]*)', page)
    return found.group(1) if found else page[-400:]


def _write_everywhere(site: Site, payload: str, n: int) -> list[Written]:
    """Write the payload into every field; (who looks, field, pages showing it)."""
    admin, teacher, coach = (Author(site, w) for w in ("admin", "teacher", "coach"))
    org, c = "/orgs/riverbend", f"/orgs/riverbend/communities/{site.community}"
    coaching = f"/coaching/{site.mentorship}"
    written: list[Written] = []
    admin.post("/account/tokens", {"name": payload[:100], "scopes": "account:read"})
    written.append(("admin", ("token name",), ["/account"]))
    admin.post("/admin/organizations", {"slug": f"xss-{n}", "name": payload, "kind": "district"})
    written.append(("admin", ("organization name",), ["/admin/organizations"]))
    written += _module(site, admin, payload)
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
    admin.post(
        f"{org}/settings/sso",
        {
            "label": payload,
            "issuer_url": "https://idp.example",
            "client_id": "x",
            "client_secret": "s",
        },
    )
    written.append(("admin", ("SSO button label",), [f"{org}/settings/sso"]))
    return written + _microcredential(site, admin, teacher, coach, payload)


def _only_id(site: Site, model: Any, column: Any, value: str) -> uuid.UUID:
    """The id of the one row whose ``column`` is ``value``."""
    with site.sessions() as db:
        found: list[uuid.UUID] = list(
            db.scalars(select(model.id).where(column == uuid.UUID(value)))
        )
    assert len(found) == 1, (model, value)
    return found[0]


def _module(site: Site, admin: Author, payload: str) -> list[Written]:
    """A module with a payload title, section title and Markdown activity body, published."""
    org = "/orgs/riverbend"
    edit = admin.post(f"{org}/modules", {"title": payload[:200]})
    base = edit.removesuffix("/edit")
    module_id = base.rsplit("/", 1)[1]
    admin.post(f"{base}/sections", {"section_title": payload[:200]})
    section = _only_id(site, Section, Section.module_id, module_id)
    fields = {"kind": "reading", "title": payload[:200], "required": "1", "body": payload}
    admin.post(f"{base}/activities", {**fields, "section_id": str(section)})
    activity = _only_id(site, Activity, Activity.section_id, str(section))
    authoring = [f"{org}/modules", edit, f"{base}/activities/{activity}/edit"]
    admin.post(f"{base}/publish", {})
    learner = [f"/modules/{module_id}", f"/modules/{module_id}/activities/{activity}"]
    return [("admin", MODULE_FIELDS, authoring), ("teacher", (), ["/modules", *learner])]


def _definition_form(payload: str) -> dict[str, str]:
    """The micro-credential editor with the payload in every text it takes."""
    short = payload[:200]
    grid = {"criterion_key_1": "c1", "criterion_name_1": short, "criterion_description_1": payload}
    for j in (1, 2):
        grid |= {f"level_label_{j}": f"{j} {payload[:90]}", f"level_points_{j}": str(j)}
        grid[f"descriptor_1_{j}"] = payload
    evidence: dict[str, str] = {}
    for kind in ("reflection", "links"):
        evidence |= {f"ev_{kind}_include": "1", f"ev_{kind}_required": "1"}
        evidence |= {f"ev_{kind}_label": f"{kind} {short}", f"ev_{kind}_guidance": payload}
    return {
        "name": short,
        "description": payload,
        "criteria": payload,
        "achievement_type": "MicroCredential",
        "award_rule": "review",
        "pd_hours": "1",
        "pass_rule": "min_level",
        "pass_value": "1",
        "level_count": "2",
        "criterion_count": "1",
        "competencies": short,
        "action": "save",
        **grid,
        **evidence,
    }


def _link(payload: str) -> str:
    """The payload as a web address (no spaces, which addresses refuse)."""
    return "https://example.org/?q=" + payload.replace(RUN, RUN.replace(" ", "")).replace(" ", "/")


def _submit(author: Author, definition: str, payload: str) -> str:
    """Submit hostile evidence for the micro-credential; the evidence page."""
    return author.post(
        f"/micro-credentials/{definition}/evidence",
        {
            "response_reflection": payload,
            "links_links": _link(payload),
            "privacy": "1",
            "action": "submit",
        },
    )


def _microcredential(
    site: Site, admin: Author, teacher: Author, coach: Author, payload: str
) -> list[Written]:
    """A published micro-credential, evidence for it and a coach's review, all hostile."""
    org = "/orgs/riverbend"
    edit = admin.post(f"{org}/micro-credentials/new", _definition_form(payload))
    definition = edit.removesuffix("/edit").rsplit("/", 1)[1]
    admin.post(edit.removesuffix("/edit") + "/publish", {})
    evidence, waiting = (_submit(who, definition, payload) for who in (teacher, admin))
    submission = evidence.rsplit("/", 1)[1]
    coach.post(f"/review/{submission}/claim", {})
    review = f"/review/{submission}"
    written: list[Written] = [
        ("admin", MICROCREDENTIAL_FIELDS, [f"{org}/micro-credentials", edit]),
        ("teacher", (), ["/micro-credentials", f"/micro-credentials/{definition}"]),
        ("anonymous", (), [f"/micro-credentials/{definition}"]),
        ("coach", EVIDENCE_FIELDS, ["/review", "/review/" + waiting.rsplit("/", 1)[1], review]),
    ]
    coach.post(
        f"{review}/decision",
        {
            "attempt_no": "1",
            "decision": "not_yet",
            "level_c1": "1",
            "comment_c1": payload,
            "feedback": payload,
        },
    )
    written.append(("teacher", REVIEW_FIELDS, [evidence, "/evidence", "/notifications"]))
    return written


def _open(chromium: Any, site: Site, who: str, paths: list[str]) -> list[str]:
    """Open each page signed in as ``who`` (or signed out); what ran or could run."""
    context = chromium.new_context(bypass_csp=True)
    if who != "anonymous":
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
        if "__xss" not in tab.content():  # a page not showing the payload proves nothing
            problems.append(f"{who} {path}: the payload is not on the page")
        if tab.evaluate("() => window.__xss || 0"):
            problems.append(f"{who} {path}: a payload ran")
        problems += [f"{who} {path}: {attr}" for attr in tab.evaluate(DOM_CHECK)]
    problems += [f"{who}: dialog {m}" for m in dialogs]
    context.close()
    return problems


FIELDS = 34
PAGES_PER_PAYLOAD = 29


def test_no_stored_payload_runs_in_the_browser(site: Site, chromium: Any) -> None:
    problems, shown, fields = [], 0, set[str]()
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
