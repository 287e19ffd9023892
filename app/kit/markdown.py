"""Markdown to safe HTML: markdown-it (CommonMark, raw HTML off), then nh3 sanitizing under a
named profile: what the HTML may keep depends on who wrote it and where it is shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


@dataclass(frozen=True)
class Profile:
    """What the sanitized HTML may keep, and whether headings move down two levels."""

    tags: frozenset[str]
    attributes: dict[str, set[str]]
    shift_headings: bool


POST_TAGS = (
    "a", "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "hr",
    "h3", "h4", "h5", "h6", "del",
)  # fmt: skip
ProfileName = Literal["post", "module"]
PROFILES: dict[ProfileName, Profile] = {
    # Posts, messages, reflections and descriptions shown inside a page: a small set of text
    # tags, links with a title, headings from h3 down (the page owns h1 and h2), no images.
    "post": Profile(
        tags=frozenset(POST_TAGS),
        attributes={"a": {"href", "title"}},
        shift_headings=True,
    ),
    # Module content written by authors: nh3's default tags and attributes (tables, images,
    # every heading level), still without scripts, frames or handlers.
    "module": Profile(
        tags=frozenset(nh3.ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()},
        shift_headings=False,
    ),
}
HEADING_SHIFT = {"<h1>": "<h3>", "</h1>": "</h3>", "<h2>": "<h4>", "</h2>": "</h4>"}


def render_markdown(source: str | None, profile: ProfileName) -> str:
    """Sanitized HTML for Markdown under ``profile``: never scripts, event handlers or links
    other than http(s)/mailto; every link gets ``rel="nofollow ugc noopener"``."""
    rules = PROFILES[profile]
    html = _markdown.render(source or "")
    if rules.shift_headings:
        for old, new in HEADING_SHIFT.items():
            html = html.replace(old, new)
    return nh3.clean(
        html,
        tags=set(rules.tags),
        attributes=rules.attributes,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
    )


_TEXT_TOKENS = {"text", "code_inline", "code_block", "fence"}
_BREAK_TOKENS = {"softbreak", "hardbreak"}


def _words(tokens: list[Token]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        if token.children:
            out.extend(_words(token.children))
        elif token.type in _TEXT_TOKENS:
            out.append(token.content)
        elif token.type in _BREAK_TOKENS or token.block:
            out.append(" ")
    return out


def plain_text(source: str | None, limit: int | None = None) -> str:
    """The words of Markdown without its syntax (for excerpts and snippets shown as text):
    markdown-it parses it, and only the text of its tokens is kept, whitespace collapsed.
    With ``limit``, cut at a word boundary and end with "…"."""
    words = " ".join("".join(_words(_markdown.parse(source or ""))).split())
    if limit is None or len(words) <= limit:
        return words
    cut = words[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:") + "…"
