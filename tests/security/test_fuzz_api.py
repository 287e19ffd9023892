"""Fuzzing the JSON API: whatever schemathesis sends over the whole OpenAPI document, with a
teacher's and an org admin's all-scope tokens, the API never answers 5xx and every answer
conforms to the document (status codes, content types, response bodies)."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import given
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.models import Role
from app.services.identity.scopes import SCOPES
from tests.route_table import app_routes
from tests.security.fuzzing import CASES_RUN, count, fuzz_settings
from tests.support import WebClient, make_org, make_user

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def personal_token(web: WebClient, email: str) -> str:
    """A personal access token with every scope, made through the account page."""
    web.client.cookies.clear()
    web.sign_in(email)
    response = web.post("/account/tokens", {"name": "fuzz", "scopes": sorted(SCOPES)})
    assert response.status_code == 201, response.text
    match = re.search(r'value="(lrl_[^"]+)"', response.text)
    assert match, "the new token is shown once"
    return match.group(1)


def _documented_operations(app) -> int:
    """How many method + path pairs the app's own routing puts in the OpenAPI document."""
    return sum(len(route.methods) for route in app_routes(app) if route.include_in_schema)


@pytest.mark.parametrize(("email", "examples"), [("t@school.org", 2), ("boss@school.org", 3)])
def test_api_never_fails_and_conforms_to_its_schema(
    app, web: WebClient, db, email: str, examples: int
) -> None:
    org = make_org(db)
    make_user(db, "boss@school.org", org=org, role=Role.ADMIN)
    make_user(db, "t@school.org", org=org)
    headers = {"Authorization": f"Bearer {personal_token(web, email)}"}
    # NUL characters are refused on purpose (422; see test_http_safety), so they are not
    # generated as "valid" data here.
    config = SchemathesisConfig.from_dict({"generation": {"allow-x00": False}})
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == _documented_operations(app)  # every documented operation

    target = f"api as {email.split('@')[0]} on {db.bind.dialect.name}"
    for operation in operations:

        @given(case=operation.as_strategy())
        @fuzz_settings(examples)
        def check(case) -> None:
            count(target)
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        check()
    assert CASES_RUN[target] >= len(operations)
    print(f"{target}: {CASES_RUN[target]} cases over {len(operations)} operations")
