"""An @mention of someone who can read the community links to their page there; other @words
stay text; the page is for the community's readers only and names nobody outside it."""

from __future__ import annotations

import re

from tests.communities.conftest import BASE, World, login
from tests.communities.test_threads import join, start_thread
from tests.support import WebClient


def test_mentions_link_to_the_persons_page_in_the_community(
    web: WebClient, web2: WebClient, db, world: World
) -> None:
    join(web, "ben@school.org")
    assert start_thread(web, "Tiles", "Fraction tiles work well.").startswith(f"{BASE}/math")
    join(web, "ana@school.org")
    url = start_thread(
        web,
        "Estimation jars?",
        "Ideas, @ben-brown? Not @otto-outsider or @nobody. `@ben-brown` in code stays code.",
    )
    page = web.get(url).text
    person = f"{BASE}/math/people/{world.ben.id}"
    links = re.findall(r'<a href="([^"]+)"[^>]*>(@[^<]+)</a>', page)
    assert links == [(person, "@ben-brown")]
    assert "@otto-outsider" in page
    assert "@nobody" in page
    assert "<code>@ben-brown</code>" in page

    profile = web.get(person)
    assert profile.status_code == 200
    assert "<h1>Ben Brown</h1>" in profile.text
    assert "@ben-brown" in profile.text
    assert "Tiles</a>" in profile.text

    assert web.get(f"{BASE}/math/people/{world.outsider.id}").status_code == 404
    login(web2, "out@elsewhere.org")
    assert web2.get(person).status_code == 403  # not in the organization
    private = f"{BASE}/coaches/people/{world.coach.id}"
    assert web.get(private).status_code == 404  # ana cannot read the request-only community


def test_an_edit_links_a_new_mention(web: WebClient, db, world: World) -> None:
    join(web, "ana@school.org")
    url = start_thread(web, "Warm-ups", "Any warm-ups?")
    page = web.get(url).text
    post_id = re.search(r'id="post-([0-9a-f-]{36})"', page).group(1)
    edited = web.post(f"{BASE}/math/posts/{post_id}/edit", {"body": "Any warm-ups, @cleo-chen?"})
    assert edited.status_code == 303, edited.text
    assert f'<a href="{BASE}/math/people/{world.cleo.id}"' in web.get(url).text
