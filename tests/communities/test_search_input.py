"""Community search and thread pages take any text: symbols alone get a reason, never a 500."""

from __future__ import annotations

import pytest

from tests.communities.conftest import BASE, World, login
from tests.communities.test_files_resources_digest import members
from tests.support import WebClient
from tests.web.test_hostile_input import SYMBOLS


@pytest.fixture
def thread_url(web: WebClient, db, world: World) -> str:
    members(db, world, world.ana)
    login(web, "ana@school.org")
    response = web.post(f"{BASE}/math/threads", {"title": "Estimation jars", "body": "Beans"})
    assert response.status_code == 303
    return response.headers["location"]


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_community_search_with_symbols(web: WebClient, thread_url: str, symbol: str) -> None:
    alone = web.get(f"{BASE}/search", params={"q": symbol})
    around = web.get(f"{BASE}/search", params={"q": f"{symbol}estimation{symbol}"})
    assert [alone.status_code, around.status_code] == [422, 200]
    assert "Search for at least one word or number" in alone.text
    assert "1 result for" in around.text


@pytest.mark.parametrize("page", ["\N{SUPERSCRIPT TWO}", "9" * 5000, "-1", "last"])
def test_a_thread_page_number_of_any_shape_shows_the_thread(
    web: WebClient, thread_url: str, page: str
) -> None:
    response = web.get(thread_url, params={"page": page})
    assert response.status_code == 200
    assert "Estimation jars" in response.text


@pytest.mark.parametrize("symbol", ["\\", "%", "_", *SYMBOLS[:4]])
def test_the_resource_library_searches_symbols_literally(
    web: WebClient, thread_url: str, symbol: str
) -> None:
    shared = web.post(
        f"{BASE}/math/resources",
        {"title": "Fraction strips", "url": "https://example.org/strips", "tags": "fractions"},
    )
    assert shared.status_code == 303
    searched = web.get(f"{BASE}/math/resources", params={"q": symbol})
    tagged = web.get(f"{BASE}/math/resources", params={"tag": symbol})
    assert [searched.status_code, tagged.status_code] == [200, 200]
    assert "Fraction strips" not in searched.text  # a symbol is not a wildcard
    assert "Fraction strips" not in tagged.text
