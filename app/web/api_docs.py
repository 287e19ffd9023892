"""The API's documentation page, ``/api/docs``: Swagger UI from the installed ``fastapi-offline``
package (its pinned ``swagger-ui-bundle.js`` and ``swagger-ui.css``, served under
``/static/swagger-ui/``), started by ``/static/js/api-docs.js``. No CDN and no inline script, so
the page's own policy allows scripts and styles from this origin only."""

from __future__ import annotations

import html
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/static/swagger-ui"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
#: Swagger UI renders with React: external script and style files, fetches of the OpenAPI
#: document, and data: images in its stylesheet. It needs neither eval nor inline code.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def install(application: FastAPI, *, docs_url: str, openapi_url: str) -> None:
    """Serve the assets and the page (FastAPI's own page, turned off, would load a CDN)."""
    application.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="swagger-ui")
    title = html.escape(f"{application.title} documentation")
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
<link rel="icon" href="{ASSETS_URL}/favicon.png">
</head>
<body>
<main id="swagger-ui" data-openapi-url="{html.escape(openapi_url)}">
<noscript><p>This page needs JavaScript. The API is described in
<a href="{html.escape(openapi_url)}">the OpenAPI document</a>.</p></noscript>
</main>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script>
</body>
</html>
"""

    async def api_docs(_request: Request) -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": CSP})

    application.add_route(docs_url, api_docs, methods=["GET"], include_in_schema=False)
