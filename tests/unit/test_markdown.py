"""The one Markdown renderer: what each profile keeps and what it strips."""

from __future__ import annotations

import pytest

from app.kit.markdown import ProfileName, render_markdown

PROFILES: tuple[ProfileName, ...] = ("post", "module")


@pytest.mark.parametrize("profile", PROFILES)
def test_no_profile_keeps_scripts_handlers_or_script_links(profile: ProfileName) -> None:
    html = render_markdown(
        "<script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
        "[click](javascript:alert(1)) <iframe src=https://evil.example></iframe>",
        profile,
    )
    assert "<script" not in html
    assert "<img" not in html  # raw HTML is text, never markup
    assert "<iframe" not in html
    assert "<a" not in html  # the javascript: link stays text
    assert "[click](javascript:alert(1))" in html


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_keeps_text_formatting_and_web_links(profile: ProfileName) -> None:
    html = render_markdown(
        "**bold** *em* `code`\n\n> quote\n\n- item\n\n[site](https://laurel.example) "
        "[mail](mailto:a@laurel.example) [file](ftp://laurel.example/x)",
        profile,
    )
    for kept in ("<strong>bold</strong>", "<em>em</em>", "<code>code</code>", "<blockquote>"):
        assert kept in html
    assert "<li>item</li>" in html
    assert '<a href="https://laurel.example" rel="nofollow ugc noopener">site</a>' in html
    assert '<a href="mailto:a@laurel.example" rel="nofollow ugc noopener">mail</a>' in html
    assert '<a rel="nofollow ugc noopener">file</a>' in html


def test_posts_shift_headings_below_the_pages_own() -> None:
    html = render_markdown("# One\n## Two\n### Three", "post")
    assert html.split("\n")[:3] == ["<h3>One</h3>", "<h4>Two</h4>", "<h3>Three</h3>"]


def test_posts_drop_images_and_tables_but_keep_link_titles() -> None:
    html = render_markdown(
        '![chart](https://laurel.example/c.png)\n\n[a](https://laurel.example "Title")\n\n'
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "post",
    )
    assert "<img" not in html
    assert 'title="Title"' in html
    assert "<table" not in html  # CommonMark has no tables: the pipes stay text
    assert "| a | b |" in html


def test_modules_keep_headings_and_images() -> None:
    html = render_markdown(
        "# Reading\n## Part two\n\n![chart](https://laurel.example/c.png)\n\n"
        '[a](https://laurel.example "Title")',
        "module",
    )
    assert "<h1>Reading</h1>" in html
    assert "<h2>Part two</h2>" in html
    assert '<img src="https://laurel.example/c.png" alt="chart">' in html
    assert 'title="Title"' in html


def test_module_images_only_from_web_addresses() -> None:
    html = render_markdown(
        "![y](data:image/png;base64,AAAA) ![z](ftp://laurel.example/z.png)", "module"
    )
    assert html == '<p><img alt="y"> <img alt="z"></p>\n'


@pytest.mark.parametrize("profile", PROFILES)
def test_empty_text_renders_nothing(profile: ProfileName) -> None:
    assert render_markdown("", profile) == ""
    assert render_markdown(None, profile) == ""
