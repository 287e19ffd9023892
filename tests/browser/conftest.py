"""Browser fixtures: a real Laurel server on a free port and Debian's Chromium via Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.db import make_engine, make_session_factory
from app.main import create_app
from app.models import OutboxMessage
from app.settings import Settings
from tests.conftest import unavailable
from tests.fake_oidc import ServerThread, free_port

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}
#: The widest elements that stick out past the right edge, to name them when a page overflows.
OVERFLOW_SCRIPT = """() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= width + 1)
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
      + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
      + ` (${Math.round(e.getBoundingClientRect().right)} px)`);
  return {scroll: document.documentElement.scrollWidth, width, wide};
}"""


@dataclass
class LiveServer:
    """A running Laurel and a way to read its database."""

    url: str
    sessions: sessionmaker[Session]
    settings: Settings

    def mail_link(self, to: str) -> str:
        """The first link in the newest e-mail queued for an address."""
        with self.sessions() as db:
            message = db.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.to_address == to)
                .order_by(OutboxMessage.created_at.desc())
            ).first()
        assert message is not None, f"no mail to {to}"
        return next(w for w in message.body_text.split() if w.startswith(self.url))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("live")
    url_db = f"sqlite:///{data_dir / 'laurel.db'}"
    migrate.upgrade(url_db)
    port = free_port()
    settings = Settings(
        environment="test",
        base_url=f"http://127.0.0.1:{port}",
        data_dir=data_dir,
        database_url=url_db,
        secret_key="browser-test-secret-0123456789abcdef",  # type: ignore[arg-type]
        mail_backend="console",
        mail_drain_after_request=False,
    )
    engine = make_engine(url_db)
    with ServerThread(create_app(settings, engine=engine), port):
        yield LiveServer(
            url=settings.base_url, sessions=make_session_factory(engine), settings=settings
        )
    engine.dispose()


@pytest.fixture(scope="session")
def browser(chromium: Any) -> Any:
    """The shared Chromium (tests/conftest.py), once axe-core is installed."""
    if not AXE.exists():
        unavailable("axe-core missing: run npm ci")
    return chromium


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(bypass_csp=True)  # lets the test inject axe-core
    tab = context.new_page()
    yield tab
    context.close()


def assert_accessible(page: Any) -> None:
    """Run axe-core on the page and fail with a readable list of WCAG 2.1 A/AA violations."""
    page.wait_for_load_state("load")  # a click's navigation may still be replacing the document
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    assert len(result["passes"]) >= 5, f"{page.url}: axe checked almost nothing"
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert problems == [], f"{page.url}: " + "; ".join(problems)
    assert_fits_phone(page)


def open_menu(page: Any) -> None:
    """Open the main navigation's disclosure that holds Account and Sign out: "More" on wide
    screens, "Menu" on narrow ones (no script: a <details> element)."""
    nav = page.get_by_role("navigation", name="Main")
    for summary in (nav.locator(".nav-wide summary"), nav.locator(".nav-menu > summary")):
        if summary.is_visible():
            if summary.evaluate("el => !el.parentElement.open"):
                summary.click()
            return


def assert_fits_phone(page: Any) -> None:
    """At 390 x 844 the page has no horizontal scroll (the desktop size is restored after)."""
    desktop = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        found = page.evaluate(OVERFLOW_SCRIPT)
    finally:
        if desktop:
            page.set_viewport_size(desktop)
    assert found["scroll"] <= found["width"], f"{page.url} scrolls sideways on a phone: {found}"
