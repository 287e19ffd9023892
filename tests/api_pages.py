"""Reading the JSON API's paginated lists the way a client does: follow next_cursor to the end."""

from __future__ import annotations

from typing import Any

MAX_PAGES = 500


def items(response: Any) -> list[dict[str, Any]]:
    """The items of one page answered 200."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "next_cursor"}, body
    page: list[dict[str, Any]] = body["items"]
    return page


def walk(
    client: Any, url: str, headers: dict[str, str], **params: Any
) -> list[list[dict[str, Any]]]:
    """Every page of a list, in order (each a list of items), following next_cursor."""
    pages: list[list[dict[str, Any]]] = []
    query = dict(params)
    for _ in range(MAX_PAGES):
        response = client.get(url, params=query, headers=headers)
        pages.append(items(response))
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages
        query["cursor"] = cursor
    raise AssertionError(f"more than {MAX_PAGES} pages")


def every(client: Any, url: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every item of a list, over all its pages."""
    return [item for page in walk(client, url, headers, **params) for item in page]
