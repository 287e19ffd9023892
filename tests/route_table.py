"""The application's real route table (the installed FastAPI hides included routers behind
``_IncludedRouter``, so ``app.routes`` lists none of them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts


@dataclass(frozen=True)
class ServedRoute:
    """One APIRoute as served: its full path, methods, dependencies and original route."""

    path: str
    methods: frozenset[str]
    dependant: Any
    include_in_schema: bool
    route: APIRoute


def app_routes(app: Any) -> list[ServedRoute]:
    """Every APIRoute the app serves, with the full path (prefixes of included routers applied)."""
    return [
        ServedRoute(
            path=context.path,
            methods=frozenset(context.methods or ()),
            dependant=context.dependant,
            include_in_schema=context.include_in_schema,
            route=context.original_route,
        )
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    ]
