"""The routes the application really serves, walked through the installed FastAPI's router table.

The installed FastAPI keeps included routers behind ``_IncludedRouter`` (``app.routes`` lists
none of their routes), so this walks them with ``fastapi.routing.iter_route_contexts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts


@dataclass(frozen=True)
class ServedRoute:
    """One served APIRoute: its full path, its methods and the router's view of it."""

    path: str
    methods: frozenset[str]
    context: RouteContext

    @property
    def dependant(self) -> Any:
        """FastAPI's dependency tree for the route, as the app resolved it."""
        return self.context.dependant

    @property
    def route(self) -> APIRoute:
        """The route object as its router defined it."""
        route = self.context.original_route
        assert isinstance(route, APIRoute)
        return route

    @property
    def include_in_schema(self) -> bool:
        """Whether the route is in the OpenAPI document."""
        return bool(self.context.include_in_schema)

    @property
    def name(self) -> str:
        """``['POST'] /full/path``: how tests name a route."""
        return f"{sorted(self.methods)} {self.path}"


def app_routes(app: FastAPI) -> list[ServedRoute]:
    """Every APIRoute the application serves, with its full path and methods."""
    return [
        ServedRoute(path=str(c.path), methods=frozenset(c.methods or ()), context=c)
        for c in iter_route_contexts(app.routes)
        if isinstance(c.original_route, APIRoute)
    ]
