"""Markdown to safe HTML: markdown-it (CommonMark, raw HTML off), then nh3 sanitizing under a
named profile: what the HTML may keep depends on who wrote it and where it is shown."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})
URL_SCHEMES = {"http", "https", "mailto"}  # and relative paths (mentions link to profiles)
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


MENTION = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9-]{0,60})", re.IGNORECASE)


def _link_mentions(tokens: list[Token], mentions: Mapping[str, str]) -> None:
    """Turn ``@handle`` in plain text (not code, not inside a link) into a link to
    ``mentions[handle]``; handles not in ``mentions`` stay text."""
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        out: list[Token] = []
        in_link = 0
        for token in block.children:
            in_link += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            if token.type != "text" or in_link:
                out.append(token)
                continue
            at = 0
            for found in MENTION.finditer(token.content):
                url = mentions.get(found.group(1).lower())
                if url is None:
                    continue
                out.append(Token("text", "", 0, content=token.content[at : found.start()]))
                out.append(Token("link_open", "a", 1, attrs={"href": url}))
                out.append(Token("text", "", 0, content=found.group(0)))
                out.append(Token("link_close", "a", -1))
                at = found.end()
            out.append(Token("text", "", 0, content=token.content[at:]) if at else token)
        block.children = out


def render_markdown(
    source: str | None, profile: ProfileName, *, mentions: Mapping[str, str] | None = None
) -> str:
    """Sanitized HTML for Markdown under ``profile``: never scripts, event handlers or links
    other than http(s)/mailto; every link gets ``rel="nofollow ugc noopener"``.

    ``mentions`` maps lower-case @handles to the address their mention links to (the caller
    decides who may be linked); other @words stay text."""
    rules = PROFILES[profile]
    tokens = _markdown.parse(source or "")
    if mentions:
        _link_mentions(tokens, mentions)
    html = _markdown.renderer.render(tokens, _markdown.options, {})
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
