"""Markdown written in posts and resource descriptions: the library shows it rendered (and
sanitized), search results show its words without the syntax."""

from __future__ import annotations

import re

from app.kit.markdown import plain_text
from tests.communities.conftest import BASE, World, login
from tests.communities.test_files_resources_digest import members
from tests.support import WebClient

DESCRIPTION = (
    "Printable **number lines** for [grade 3](https://example.org/g3).\n\n- halves\n- thirds"
)


def test_resource_description_is_rendered_and_search_shows_plain_words(
    web: WebClient, db, world: World
) -> None:
    members(db, world, world.ana)
    login(web, "ana@school.org")
    shared = web.post(
        f"{BASE}/math/resources",
        {"title": "Number lines", "description": DESCRIPTION, "url": "https://example.org/nl"},
    )
    assert shared.status_code == 303, shared.text
    thread = web.post(
        f"{BASE}/math/threads",
        {"title": "Estimation jars", "body": "## Try this\n\nUse **printable** jars, `3 + 4`."},
    )
    assert thread.status_code == 303

    library = web.get(f"{BASE}/math/resources").text
    assert "<strong>number lines</strong>" in library
    assert '<a href="https://example.org/g3" rel="nofollow ugc noopener">grade 3</a>' in library
    assert "**" not in library

    found = web.get(f"{BASE}/search", params={"q": "printable"})
    assert found.status_code == 200
    excerpts = re.findall(r"<li>.*?<p>(.*?)</p>", found.text, re.S)
    assert sorted(excerpts) == [
        "Printable number lines for grade 3. halves thirds",
        "Try this Use printable jars, 3 + 4.",
    ]


def test_plain_text_keeps_words_drops_syntax_and_cuts_at_a_word() -> None:
    assert plain_text("# Title\n\n*a* `b` [c](https://x.example) ![d](e.png)") == "Title a b c d"
    assert plain_text("<script>x</script>") == "<script>x</script>"  # text; escaped on output
    assert plain_text("one two three four", 12) == "one two…"
    assert plain_text(None) == ""
