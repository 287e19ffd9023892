"""Object-level access by id guessing: a teacher names another teacher's objects, an admin names
another organization's, by pages and by API. Each case declares 403 or 404, and the response
must not contain a distinctive string of the object; refused writes change no row.

Runs on PostgreSQL by default (the matrix covers SQLite); LAUREL_SECURITY_FULL=1 runs both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.security.matrix_support import Env, matrix_env, snapshot
from tests.security.world import SECRETS

PNG_MAGIC = "\x89PNG"


@dataclass(frozen=True)
class Case:
    """Who calls what with another's id; the one status expected; what must not appear."""

    caller: str
    method: str
    path: str
    status: int
    absent: str
    table: str | None = None
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def name(self) -> str:
        return f"{self.caller} {self.method} {self.path}"


S = SECRETS
COMMUNITY = "/orgs/riverbend/communities/middle-math"
# fmt: off
CASES = [
    # the teacher names another teacher's draft, evidence file, submission, credential, coaching
    Case("teacher", "GET", "/evidence/{draft}", 404, S["draft"]),
    Case("teacher", "POST", "/evidence/{draft}", 404, S["draft"], "evidence_attempts",
         {"action": "save", "reflection": "overwritten"}),
    Case("teacher", "POST", "/evidence/{draft}/withdraw", 404, S["draft"], "submissions"),
    Case("teacher", "GET", "/api/v1/evidence/submissions/{draft}", 404, S["draft"]),
    Case("teacher", "PUT", "/api/v1/evidence/submissions/{draft}/draft", 404, S["draft"],
         "evidence_attempts", {"responses": {"reflection": "overwritten"}}),
    Case("teacher", "POST", "/api/v1/evidence/submissions/{draft}/submit", 404, S["draft"],
         "submissions", {"privacy_confirmed": True}),
    Case("teacher", "GET", "/evidence/files/{file_priya}", 404, PNG_MAGIC),
    Case("teacher", "GET", "/evidence/{submission_priya}", 404, PNG_MAGIC),
    Case("teacher", "GET", "/review/{submission_priya}", 404, PNG_MAGIC),
    Case("teacher", "DELETE", "/api/v1/evidence/submissions/{submission_priya}/files/{file_priya}",
         404, PNG_MAGIC, "evidence_files"),
    Case("teacher", "GET", "/wallet/{credential_priya}/download/json", 404, S["credential"]),
    Case("teacher", "POST", "/wallet/{credential_priya}/visibility", 404, S["credential"],
         "issued_credentials", {"public": "on"}),
    Case("anonymous", "GET", "/credentials/{credential_priya}", 404, S["credential"]),
    Case("teacher", "GET", "/coaching/{mentorship_priya}", 404, S["message"]),
    Case("teacher", "POST", "/coaching/{mentorship_priya}/messages", 404, S["message"],
         "coaching_messages", {"body": "Hello"}),
    Case("teacher", "GET", "/api/v1/mentorships/{mentorship_priya}/messages", 404, S["message"]),
    Case("teacher", "POST", "/api/v1/mentorships/{mentorship_priya}/messages", 404, S["message"],
         "coaching_messages", {"body": "Hello"}),
    # a reply hidden by moderators: neither its edit form nor its history shows it to members
    Case("teacher", "GET", COMMUNITY + "/posts/{hidden_post}/edit", 403, S["hidden_post"]),
    Case("teacher", "GET", COMMUNITY + "/posts/{hidden_post}/history", 404, S["hidden_post"]),
    Case("teacher", "GET", COMMUNITY + "/threads/{thread_id}", 200, S["hidden_post"]),
    # the coach's private note stays out of the teacher's own coaching page and API
    Case("other_teacher", "GET", "/coaching/{mentorship_priya}", 200, S["note"]),
    Case("other_teacher", "GET", "/api/v1/mentorships/{mentorship_priya}/messages", 200,
         S["note"]),
    # riverbend's admin names lakeside's members, review queue, micro-credentials and awards
    Case("admin", "GET", "/orgs/lakeside/members", 403, S["other_member"]),
    Case("admin", "GET", "/api/v1/orgs/lakeside/members", 403, S["other_member"]),
    Case("admin", "POST", "/orgs/riverbend/members/{lakeside_membership}/role", 404,
         S["other_member"], "memberships", {"role": "admin"}),
    Case("admin", "POST", "/orgs/riverbend/members/{lakeside_membership}/remove", 404,
         S["other_member"], "memberships"),
    Case("admin", "PATCH", "/api/v1/orgs/riverbend/members/{lakeside_membership}", 404,
         S["other_member"], "memberships", {"role": "admin"}),
    Case("admin", "GET", "/orgs/lakeside/review", 403, S["submission"]),
    Case("admin", "GET", "/review/{lakeside_submission}", 404, S["submission"]),
    Case("admin", "GET", "/evidence/files/{lakeside_file}", 404, PNG_MAGIC),
    Case("admin", "GET", "/api/v1/reviews/submissions/{lakeside_submission}", 404,
         S["submission"]),
    Case("admin", "POST", "/api/v1/reviews/submissions/{lakeside_submission}/claim", 404,
         S["submission"], "submissions"),
    Case("admin", "POST", "/review/{lakeside_submission}/claim", 404, S["submission"],
         "submissions"),
    Case("admin", "POST", "/orgs/riverbend/review/{lakeside_submission}/assign", 404,
         S["submission"], "submissions", {"coach_id": "{coach_id}"}),
    Case("admin", "GET", "/orgs/lakeside/micro-credentials", 403, S["other_definition"]),
    Case("admin", "GET", "/api/v1/orgs/lakeside/micro-credentials", 403, S["other_definition"]),
    Case("admin", "GET", "/api/v1/micro-credentials/{lakeside_definition}", 404,
         S["other_definition"]),
    Case("anonymous", "GET", "/micro-credentials/{lakeside_definition}", 404,
         S["other_definition"]),
    Case("admin", "GET", "/orgs/riverbend/micro-credentials/{lakeside_definition}/edit", 404,
         S["other_definition"]),
    Case("admin", "POST", "/orgs/riverbend/micro-credentials/{lakeside_definition}/publish", 404,
         S["other_definition"], "micro_credentials"),
    Case("admin", "POST", "/api/v1/micro-credentials/{lakeside_definition}/publish", 404,
         S["other_definition"], "micro_credentials"),
    Case("admin", "GET", "/orgs/lakeside/awards", 403, S["other_credential"]),
    Case("admin", "GET", "/orgs/lakeside/credentials", 403, S["other_credential"]),
    Case("admin", "POST", "/orgs/riverbend/credentials/{lakeside_credential}/revoke", 404,
         S["other_credential"], "issued_credentials", {"reason": "guessing"}),
    Case("admin", "POST", "/orgs/riverbend/mentorships/{lakeside_mentorship}/end", 404,
         S["other_member"], "mentorships"),
]
# fmt: on


@pytest.fixture(scope="module")
def env(database_url, engine, tmp_path_factory) -> Iterator[Env]:
    """The seeded world on PostgreSQL (both backends with LAUREL_SECURITY_FULL=1)."""
    yield from matrix_env(database_url, engine, tmp_path_factory, backend="postgresql")


def _fill(template: str, env: Env) -> str:
    values = {**env.world.ids, **env.world.other, "coach_id": str(env.world.users["coach"].id)}
    return template.format(**values)


def test_every_secret_is_in_the_world(env: Env) -> None:
    """The strings the cases look for do exist where their owner can see them (so their absence
    elsewhere means something)."""
    pages = {
        "other_teacher": [
            ("/evidence/{draft}", S["draft"]),
            ("/wallet", S["credential"]),
            ("/coaching/{mentorship_priya}", S["message"]),
        ],
        "coach": [
            ("/coaching/{mentorship_priya}", S["note"]),
            (COMMUNITY + "/posts/{hidden_post}/history", S["hidden_post"]),
        ],
        "other_admin": [
            ("/orgs/lakeside/members", S["other_member"]),
            ("/orgs/lakeside/micro-credentials", S["other_definition"]),
            ("/orgs/lakeside/credentials", S["other_credential"]),
            ("/review/{lakeside_submission}", S["submission"]),
        ],
    }
    seen = 0
    for caller, checks in pages.items():
        for path, secret in checks:
            response, _ = env.call(env.request(caller, "GET", _fill(path, env), api=False))
            assert response.status_code == 200, path
            assert secret in response.text, path
            seen += 1
    assert seen == 9


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_object_access_is_refused_without_leaking(env: Env, case: Case) -> None:
    look = None
    before = None
    if case.table:
        before = snapshot(env.connection, case.table)

        def look() -> Any:
            return snapshot(env.connection, case.table)

    body = {k: _fill(v, env) if isinstance(v, str) else v for k, v in case.body.items()}
    call = env.request(case.caller, case.method, _fill(case.path, env), api=case.api, body=body)
    response, after = env.call(call, look)
    assert response.status_code == case.status
    assert case.absent not in response.text
    assert after == before
