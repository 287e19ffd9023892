"""Markdown for module content: CommonMark without raw HTML, then sanitized with nh3."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False})
_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> str:
    """Safe HTML for author-written Markdown (no scripts, frames or ``javascript:`` links)."""
    html = _md.render(text or "")
    return nh3.clean(html, url_schemes=_SCHEMES, link_rel="nofollow ugc noopener")
