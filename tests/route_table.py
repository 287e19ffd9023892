"""The application's real router table, for tests that must cover every route."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts


@dataclass(frozen=True)
class ServedRoute:
    """One served route: its full path, its methods and the router's view of it."""

    path: str
    methods: frozenset[str]
    context: RouteContext

    @property
    def dependant(self) -> Any:
        """FastAPI's dependency tree for the route, as the app resolved it."""
        return self.context.dependant


def app_routes(app: FastAPI) -> list[ServedRoute]:
    """Every APIRoute the app serves, with its full path (the installed FastAPI hides included
    routers behind ``_IncludedRouter``, so ``app.routes`` alone lists none of them)."""
    return [
        ServedRoute(path=str(c.path), methods=frozenset(c.methods or ()), context=c)
        for c in iter_route_contexts(app.routes)
        if isinstance(c.original_route, APIRoute)
    ]
