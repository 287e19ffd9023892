"""User Markdown to safe HTML: markdown-it (CommonMark, raw HTML off), then nh3 sanitizing."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})
TAGS = {
    "a", "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "hr",
    "h3", "h4", "h5", "h6", "del",
}  # fmt: skip
HEADING_SHIFT = {"<h1>": "<h3>", "</h1>": "</h3>", "<h2>": "<h4>", "</h2>": "</h4>"}


def render_markdown(source: str) -> str:
    """Sanitized HTML for user-written Markdown: no scripts, no handlers, only http(s)/mailto links.

    Headings are shifted down two levels so posts never break the page's heading order, and
    images are dropped (attach files instead).
    """
    html = _markdown.render(source)
    for old, new in HEADING_SHIFT.items():
        html = html.replace(old, new)
    return nh3.clean(
        html,
        tags=TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )
