"""The routes the application really serves, walked through the installed FastAPI's router table.

The installed FastAPI keeps included routers behind ``_IncludedRouter`` (``app.routes`` lists
none of their routes), so this walks them with ``fastapi.routing.iter_route_contexts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts


@dataclass(frozen=True)
class ServedRoute:
    """One served APIRoute: its full path, methods, dependency tree and the route object."""

    path: str
    methods: frozenset[str]
    dependant: Any
    route: APIRoute

    @property
    def name(self) -> str:
        """``['POST'] /full/path``: how tests name a route."""
        return f"{sorted(self.methods)} {self.path}"


def app_routes(app: FastAPI) -> list[ServedRoute]:
    """Every APIRoute the application serves, with its full path and methods."""
    return [
        ServedRoute(
            path=context.path,
            methods=frozenset(context.methods or ()),
            dependant=context.dependant,
            route=context.original_route,
        )
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    ]
