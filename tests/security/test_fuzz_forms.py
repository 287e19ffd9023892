"""Fuzzing the HTML forms: every POST form the demo district's pages show (sign-in, sign-up,
profile, module authoring, threads and replies, micro-credential authoring, evidence, review
decisions, org settings…) gets arbitrary text in each of its fields, with a valid session and
CSRF token. No answer is a 5xx, and a refused form (4xx) leaves every table as it was."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from app.db import Base
from app.demo.district import DEMO_ACCOUNTS, seed_demo
from app.models import User
from tests.route_table import app_routes
from tests.security.fuzzing import CASES_RUN, count, fuzz_settings
from tests.support import WebClient

# Forms that end the session or change the signed-in account's password or e-mail: fuzzing
# them would sign the fuzzer out; test_accounts covers them.
SKIPPED = re.compile(r"^/(signout|account/(password|email)|password/reset)")
# Tables that count refused attempts on purpose (sign-in throttling, rate limits).
COUNTS_REFUSALS = {"login_throttles", "login_throttle_counters", "rate_counters"}
MAX_PAGES = 70  # pages crawled per account, to find forms with real ids in their actions

field_values = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.sampled_from(["", " ", "0", "-1", "99999999999999999999999999", "1e309", "null"]),
    st.sampled_from(["*", "(", '"', "%", "😀", "' OR 1=1 --", "<script>x</script>", "../../x"]),
    st.integers(min_value=1, max_value=200_000).map(lambda n: "x" * n),  # huge
)


class FormParser(HTMLParser):
    """Collects (action, field names) of every POST form and the links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, set[str]]] = []
        self.links: list[str] = []
        self._open: tuple[str, set[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href", "").startswith("/"):
            self.links.append(attributes["href"] or "")
        elif tag == "form" and (attributes.get("method") or "").lower() == "post":
            self._open = (attributes.get("action") or "", set())
            self.forms.append(self._open)
        elif tag in ("input", "select", "textarea") and self._open is not None:
            name = attributes.get("name")
            if name and name != "csrf_token" and attributes.get("type") != "file":
                self._open[1].add(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def route_pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{\w+(:path)?\}", "[^/]+", path) + "$")


def crawl_forms(
    web: WebClient,
    start: list[str],
    pages: list[tuple[str, re.Pattern[str]]],
    templates: list[tuple[str, re.Pattern[str]]],
) -> dict[str, tuple[str, set[str]]]:
    """POST route template -> (a concrete action, its fields), from pages reachable by links.

    At most two pages of each GET route are read, and ``MAX_PAGES`` in all.
    """
    found: dict[str, tuple[str, set[str]]] = {}
    queue, seen, pages_per_route, read = list(start), set(start), Counter[str](), 0
    while queue and read < MAX_PAGES:
        url = queue.pop(0)
        page = template_of(urlsplit(url).path, pages) or url
        pages_per_route[page] += 1
        if pages_per_route[page] > 2:
            continue
        read += 1
        response = web.get(url)
        if response.status_code != 200 or "text/html" not in response.headers["content-type"]:
            continue
        parser = FormParser()
        parser.feed(response.text)
        for action, fields in parser.forms:
            path = urlsplit(action).path or urlsplit(url).path
            template = template_of(path, templates)
            if template and template not in found and not SKIPPED.match(path):
                found[template] = (action or url, fields)
        for link in parser.links:
            if link not in seen and not link.startswith(("/api", "/static", "/signout")):
                seen.add(link)
                queue.append(link)
    return found


def template_of(path: str, templates: list[tuple[str, re.Pattern[str]]]) -> str | None:
    return next((template for template, pattern in templates if pattern.match(path)), None)


def row_counts(db: Session) -> dict[str, int]:
    """Rows in every table except the attempt counters, in one query."""
    tables: list[Table] = [t for t in Base.metadata.sorted_tables if t.name not in COUNTS_REFUSALS]
    counts = [select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables]
    db.expire_all()
    return dict(db.execute(select(*counts)).one()._mapping)


def fuzz_form(web: WebClient, db: Session, target: str, action: str, fields: set[str]) -> None:
    """Post arbitrary values in every field of one form: no 5xx, a refusal writes nothing."""

    @given(st.fixed_dictionaries(dict.fromkeys(sorted(fields), field_values)))
    @fuzz_settings(2)
    def check(form: dict[str, str]) -> None:
        count(target)
        before = row_counts(db)
        response = web.post(action, form)
        assert response.status_code < 500, (action, form, response.text[:500])
        if 400 <= response.status_code < 500:
            assert row_counts(db) == before, (action, form, response.status_code)

    check()


# (account index in DEMO_ACCOUNTS or None for anonymous, pages to start crawling from)
VISITORS = [
    (None, ["/signin", "/signup", "/password/forgot", "/verify-email/resend", "/verify"]),
    (2, ["/", "/evidence", "/micro-credentials", "/learning", "/coaching", "/wallet"]),
    (1, ["/", "/review", "/coaching", "/orgs/riverbend/communities"]),
    (0, ["/orgs/riverbend/modules", "/orgs/riverbend/micro-credentials", "/", "/admin"]),
]


def test_forms_never_fail_or_half_write(app, web: WebClient, db, settings) -> None:
    seed_demo(db, settings)
    db.execute(
        update(User).where(User.email == DEMO_ACCOUNTS[0].email).values(is_platform_admin=True)
    )
    db.commit()
    routes = app_routes(app)
    post_templates = [(r.path, route_pattern(r.path)) for r in routes if "POST" in r.methods]
    get_templates = [(r.path, route_pattern(r.path)) for r in routes if "GET" in r.methods]
    fuzzed: set[str] = set()
    for account, start in VISITORS:
        web.client.cookies.clear()
        who = "anonymous" if account is None else DEMO_ACCOUNTS[account].role.value
        target = f"forms as {who} on {db.bind.dialect.name}"
        if account is not None:
            web.sign_in(DEMO_ACCOUNTS[account].email, DEMO_ACCOUNTS[account].password)
        forms = crawl_forms(web, start, get_templates, post_templates)
        for action, fields in sorted(forms.values()):
            fuzz_form(web, db, target, action, fields)
        assert CASES_RUN[target] >= len(forms) > 3
        fuzzed.update(forms)
        print(f"{target}: {CASES_RUN[target]} cases over {len(forms)} form routes")
    print(f"{len(fuzzed)} form routes fuzzed: {sorted(fuzzed)}")
    assert len(fuzzed) >= 50
