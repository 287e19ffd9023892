"""Every named link is a route the app serves, under that name and at exactly that path, so
renaming or moving a page breaks this test instead of the links in e-mails and credentials."""

from __future__ import annotations

import pytest

from app.kit import links
from app.kit.links import Link
from app.main import create_app
from app.settings import Settings
from tests.route_table import app_routes


@pytest.fixture(scope="module")
def served_by_name(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    settings = Settings(
        environment="test",
        base_url="http://testserver",
        data_dir=tmp_path_factory.mktemp("links"),
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        database_url="sqlite://",
        mail_backend="console",
    )
    served: dict[str, set[str]] = {}
    for route in app_routes(create_app(settings)):
        if "GET" in route.methods:
            served.setdefault(route.route.name, set()).add(route.path)
    return served


@pytest.mark.parametrize("link", links.ALL, ids=lambda link: link.name)
def test_each_link_is_a_page_the_app_serves(
    link: Link, served_by_name: dict[str, set[str]]
) -> None:
    assert served_by_name.get(link.name) == {link.path}


def test_every_link_is_listed_once() -> None:
    declared = [v for v in vars(links).values() if isinstance(v, Link)]
    assert sorted(link.name for link in links.ALL) == sorted(link.name for link in declared)
    assert len({link.name for link in links.ALL}) == len(links.ALL)


def test_a_link_fills_its_placeholders_as_single_path_segments() -> None:
    link = Link("example", "/orgs/{slug}/things/{thing}")
    assert link.absolute("https://laurel.example/", slug="a b", thing="x/y") == (
        "https://laurel.example/orgs/a%20b/things/x%2Fy"
    )


def test_a_prefixed_router_declares_the_rest_of_the_path() -> None:
    assert links.COMMUNITY_THREAD.under("/orgs/{slug}/communities/{community}") == (
        "/threads/{thread_id}"
    )
    with pytest.raises(ValueError, match="not under"):
        links.WALLET.under("/account")
