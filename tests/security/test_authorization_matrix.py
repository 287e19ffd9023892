"""Authorization matrix: every served route, called as every kind of caller, gets the one status
declared for it below; a route without a row (or a row without a route) fails the suite.

Callers (columns): anonymous; riverbend's teacher, coach and admin; lakeside's admin; a platform
admin; and, for routes behind ``ApiToken(scope)``, riverbend's admin with a token carrying every
scope but that one. Page routes get a browser session (with a valid CSRF token, so this tests
authorization and not CSRF); API routes get each caller's full-scope personal access token.
Path parameters are real ids from one seeded world (tests/security/world.py), owned by riverbend
and its teacher. Every call runs in a savepoint that is rolled back, so cells do not interact.
A refused write (401/403/404) must also leave every table's row count and the target table's
rows unchanged.

The default run covers SQLite; ``LAUREL_SECURITY_FULL=1`` runs the matrix on PostgreSQL too.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from PIL import Image
from sqlalchemy import create_engine

from app.db import Base
from app.main import create_app
from tests.microcredentials.support import fields
from tests.route_table import app_routes
from tests.security.matrix_support import Call, Env, access_rule, matrix_env, snapshot
from tests.security.world import ROLES

# Rule names: the statuses, in ROLES order (then the token lacking the scope), where ``ok`` is
# the row's success status. Pages send anonymous callers to sign in (303); the API says 401.
RULES = {
    "public": "ok ok ok ok ok ok",
    "signed_in": "303 ok ok ok ok ok",
    "platform_admin": "303 403 403 403 403 ok",
    "org_member": "303 ok ok ok 403 ok",
    "org_member_not_platform": "303 ok ok ok 403 403",
    "org_coach": "303 403 ok ok 403 ok",
    "org_admin": "303 403 403 ok 403 ok",
    "own_object": "303 ok 404 404 404 404",
    "org_object": "303 ok ok ok 404 ok",
    "org_reviewer": "303 404 ok ok 404 ok",
    "mentorship_party": "303 ok ok 404 404 404",
    "token": "401 ok ok ok ok ok 403",
    "token_org_member": "401 ok ok ok 403 ok 403",
    "token_org_object": "401 ok ok ok 404 ok 403",
    "token_org_coach": "401 403 ok ok 403 ok 403",
    "token_org_admin": "401 403 403 ok 403 ok 403",
    "token_own_object": "401 ok 404 404 404 404 403",
    "token_mentorship_party": "401 ok ok 404 404 404 403",
    "token_org_reviewer": "401 404 ok ok 404 ok 403",
}
REFUSED = {401, 403, 404}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, "PNG")
    return buffer.getvalue()


@dataclass(frozen=True)
class Row:
    """One route: how to call it, who may (a rule name or explicit statuses), what it writes."""

    method: str
    path: str
    access: str
    rule: str
    ok: int = 200
    table: str | None = None
    body: dict[str, Any] = field(default_factory=dict)
    files: bool = False
    params: dict[str, str] = field(default_factory=dict)

    def expected(self) -> list[int]:
        """One status per caller, in ROLES order (then the token lacking the scope)."""
        template = RULES.get(self.rule, self.rule)
        return [self.ok if word == "ok" else int(word) for word in template.split()]

    @property
    def api(self) -> bool:
        return self.access.startswith("ApiToken") or self.access == "optional_api_token"


def W(method: str, path: str, access: str, rule: str, table: str, ok: int = 303, **kw: Any) -> Row:  # noqa: N802
    """A row for a route that writes ``table`` when allowed."""
    return Row(method, path, access, rule, ok=ok, table=table, **kw)


PUB, SIGNED, PLATFORM = "public", "signed_in", "platform_admin"
T_ADMIN, T_MEMBER, T_COACH = "OrgRole(admin)", "OrgRole(teacher)", "OrgRole(coach)"
COMMUNITY = "/orgs/{slug}/communities/{community}"
MODULE = "/orgs/{slug}/modules/{module_id}"

MATRIX: list[Row] = [
    # health, issuer documents, public pages
    Row("GET", "/healthz", PUB, "public"),
    Row("GET", "/readyz", PUB, "public"),
    Row("GET", "/orgs/{slug}/did.json", PUB, "public"),
    Row("GET", "/orgs/{slug}/jwks.json", PUB, "public"),
    Row("GET", "/.well-known/jwks.json", PUB, "public"),
    Row("GET", "/orgs/{slug}/profile", PUB, "public"),
    Row("GET", "/status/{slug}/{sequence}", PUB, "public"),
    Row("GET", "/", PUB, "public"),
    Row("GET", "/verify", PUB, "public"),
    Row("GET", "/language", PUB, "public", ok=303, params={"lang": "es", "next": "/verify"}),
    Row("POST", "/verify", PUB, "public", ok=422),
    Row("GET", "/micro-credentials/{definition_id}", PUB, "public"),
    Row("GET", "/micro-credentials/{definition_id}/image", PUB, "public"),
    # the teacher's credential is private, so its page is absent for everyone
    Row("GET", "/credentials/{credential_id}", PUB, "public", ok=404),
    Row("GET", "/credentials/{credential_id}/image.svg", PUB, "public", ok=404),
    Row("GET", "/evidence/{submission_id}/public", PUB, "public", ok=404),
    Row("GET", "/evidence/{submission_id}/public/files/{file_id}", PUB, "public", ok=404),
    # accounts (public forms: the missing fields are the only refusal)
    Row("GET", "/signup", PUB, "public"),
    W("POST", "/signup", PUB, "public", "users", ok=422),
    Row("GET", "/verify-email", PUB, "public", ok=422),
    W("POST", "/verify-email/resend", PUB, "public", "outbox_messages", ok=422),
    Row("GET", "/signin", PUB, "200 303 303 303 303 303"),
    W("POST", "/signin", PUB, "public", "user_sessions", ok=422),
    W("POST", "/signout", SIGNED, "signed_in", "user_sessions"),
    W("POST", "/signout/everywhere", SIGNED, "signed_in", "user_sessions"),
    Row("GET", "/password/forgot", PUB, "public"),
    W("POST", "/password/forgot", PUB, "public", "outbox_messages", ok=422),
    Row("GET", "/password/reset", PUB, "public", ok=422),
    W("POST", "/password/reset", PUB, "public", "users", ok=422),
    Row("GET", "/sso/start", PUB, "public", ok=404),
    Row("GET", "/sso/callback", PUB, "public", ok=422),
    Row("GET", "/digest/unsubscribe", PUB, "public", ok=422),
    W("POST", "/digest/unsubscribe", PUB, "public", "digest_subscriptions", ok=422),
    Row("GET", "/account/email/confirm", PUB, "public", ok=422),
    Row("GET", "/invitations/{token}", PUB, "public", ok=422),
    W("POST", "/invitations/{token}", SIGNED, "signed_in", "memberships", ok=422),
    Row("GET", "/account", SIGNED, "signed_in"),
    W("POST", "/account/password", SIGNED, "signed_in", "users", ok=422),
    W("POST", "/account/did", SIGNED, "signed_in", "users"),
    W("POST", "/account/email", SIGNED, "signed_in", "users", ok=422),
    W("POST", "/account/tokens", SIGNED, "signed_in", "access_tokens", ok=422),
    W("POST", "/account/tokens/{token_id}/revoke", SIGNED, "own_object", "access_tokens"),
    Row("GET", "/notifications", SIGNED, "signed_in"),
    W("POST", "/notifications/read-all", SIGNED, "signed_in", "notifications"),
    W("POST", "/notifications/{notification_id}/read", SIGNED, "own_object", "notifications"),
    Row("GET", "/account/notifications", SIGNED, "signed_in"),
    # privacy: her data, her account's deletion, who accessed her records; the org's settings
    Row("GET", "/account/data", SIGNED, "signed_in"),
    # the teacher's earlier copy is still being prepared
    W("POST", "/account/data", SIGNED, "303 409 303 303 303 303", "data_exports"),
    Row("GET", "/account/data/{export_id}/download", SIGNED, "303 404 404 404 404 404"),
    Row("GET", "/account/delete", SIGNED, "signed_in"),
    W("POST", "/account/delete", SIGNED, "signed_in", "users", ok=422),
    W("POST", "/account/delete/cancel", SIGNED, "signed_in", "users"),
    Row("GET", "/account/access", SIGNED, "signed_in"),
    Row("GET", "/privacy", PUB, "public"),
    Row("GET", "/orgs/{slug}/admin/privacy", T_ADMIN, "org_admin"),
    W("POST", "/orgs/{slug}/admin/privacy", T_ADMIN, "org_admin", "organizations"),
    Row("GET", "/orgs/{slug}/admin/audit", T_ADMIN, "org_admin"),
    Row("GET", "/orgs/{slug}/admin/audit.csv", T_ADMIN, "org_admin"),
    W("POST", "/account/notifications", SIGNED, "signed_in", "notification_preferences"),
    # organizations and the platform
    Row("GET", "/orgs/{slug}/members", T_COACH, "org_coach"),
    W("POST", "/orgs/{slug}/invitations", T_ADMIN, "org_admin", "invitations", ok=422),
    W("POST", "/orgs/{slug}/members/{membership_id}/role", T_ADMIN, "org_admin", "memberships",
      ok=422),
    W("POST", "/orgs/{slug}/members/{membership_id}/remove", T_ADMIN, "org_admin", "memberships"),
    W("POST", "/orgs/{slug}/invitations/{invitation_id}/resend", T_ADMIN, "org_admin",
      "invitations"),
    W("POST", "/orgs/{slug}/invitations/{invitation_id}/revoke", T_ADMIN, "org_admin",
      "invitations"),
    Row("GET", "/orgs/{slug}/settings/sso", T_ADMIN, "org_admin"),
    Row("GET", "/orgs/{slug}/admin", T_ADMIN, "org_admin"),
    Row("GET", "/administer", SIGNED, "signed_in"),
    W("POST", "/orgs/{slug}/settings/sso", T_ADMIN, "org_admin", "oidc_providers", ok=422),
    W("POST", "/orgs/{slug}/settings/sso/test", T_ADMIN, "org_admin", "oidc_providers", ok=422),
    Row("GET", "/admin/organizations", PLATFORM, "platform_admin"),
    W("POST", "/admin/organizations", PLATFORM, "platform_admin", "organizations", ok=422),
    Row("GET", "/admin/organizations/{slug}/domains", PLATFORM, "platform_admin"),
    W("POST", "/admin/organizations/{slug}/domains", PLATFORM, "platform_admin",
      "organization_domains"),
    Row("GET", "/admin/mail", PLATFORM, "platform_admin"),
    W("POST", "/admin/mail/retry", PLATFORM, "platform_admin", "outbox_messages"),
    W("POST", "/admin/mail/{message_id}/retry", PLATFORM, "platform_admin", "outbox_messages"),
    # learning (the module belongs to riverbend; nobody in the world is enrolled in it)
    Row("GET", "/modules", SIGNED, "signed_in"),
    Row("GET", "/modules/{module_id}", SIGNED, "org_object"),
    W("POST", "/modules/{module_id}/enroll", SIGNED, "org_object", "enrollments"),
    W("POST", "/modules/{module_id}/unenroll", SIGNED, "org_object", "enrollments", ok=409),
    W("POST", "/modules/{module_id}/move-to-latest", SIGNED, "303 403 403 403 404 403",
      "enrollments"),
    Row("GET", "/modules/{module_id}/activities/{activity_id}", SIGNED, "org_object"),
    W("POST", "/modules/{module_id}/activities/{activity_id}/done", SIGNED,
      "303 403 403 403 404 403", "activity_progress"),
    W("POST", "/modules/{module_id}/activities/{activity_id}/reflection", SIGNED,
      "303 403 403 403 404 403", "activity_progress"),
    W("POST", "/modules/{module_id}/activities/{activity_id}/quiz", SIGNED,
      "303 403 403 403 404 403", "activity_progress"),
    W("POST", "/modules/{module_id}/feedback", SIGNED, "org_object", "module_feedback", ok=409),
    # only the teacher who completed an hours-only module has its certificate (nobody here)
    Row("GET", "/modules/{module_id}/certificate", SIGNED, "303 404 404 404 404 404"),
    Row("GET", "/learning", SIGNED, "signed_in"),
    Row("GET", "/learning/goals", SIGNED, "signed_in"),
    W("POST", "/learning/goals", SIGNED, "signed_in", "learner_profiles"),
    Row("GET", "/learning/transcript", SIGNED, "signed_in"),
    Row("GET", "/pathways", SIGNED, "signed_in"),
    Row("GET", "/pathways/{pathway_id}", SIGNED, "org_object"),
    # module authoring
    Row("GET", "/orgs/{slug}/modules", T_ADMIN, "org_admin"),
    W("POST", "/orgs/{slug}/modules", T_ADMIN, "org_admin", "modules", ok=422),
    W("POST", "/orgs/{slug}/modules/import", T_ADMIN, "org_admin", "modules", ok=422),
    Row("GET", MODULE + "/edit", T_ADMIN, "org_admin"),
    W("POST", MODULE + "/edit", T_ADMIN, "org_admin", "modules", ok=409),
    W("POST", MODULE + "/sections", T_ADMIN, "org_admin", "module_sections", ok=409),
    W("POST", MODULE + "/sections/{section_id}/rename", T_ADMIN, "org_admin", "module_sections",
      ok=409),
    W("POST", MODULE + "/activities", T_ADMIN, "org_admin", "module_activities", ok=422),
    Row("GET", MODULE + "/activities/{activity_id}/edit", T_ADMIN, "org_admin"),
    W("POST", MODULE + "/activities/{activity_id}/edit", T_ADMIN, "org_admin",
      "module_activities", ok=409),
    W("POST", MODULE + "/items/{item_id}/move", T_ADMIN, "org_admin", "module_activities", ok=409),
    W("POST", MODULE + "/items/{item_id}/remove", T_ADMIN, "org_admin", "module_activities",
      ok=409),
    W("POST", MODULE + "/prerequisites", T_ADMIN, "org_admin", "module_prerequisites", ok=422),
    W("POST", MODULE + "/prerequisites/{family_id}/remove", T_ADMIN, "org_admin",
      "module_prerequisites", ok=409),
    W("POST", MODULE + "/{action}", T_ADMIN, "org_admin", "modules"),
    Row("GET", MODULE + "/export", T_ADMIN, "org_admin"),
    Row("GET", "/orgs/{slug}/pathways", T_ADMIN, "org_admin"),
    W("POST", "/orgs/{slug}/pathways", T_ADMIN, "org_admin", "pathways", ok=422),
    # wallet and credentials (the credential is the teacher's)
    Row("GET", "/wallet", SIGNED, "signed_in"),
    W("POST", "/wallet/reissue", SIGNED, "signed_in", "issued_credentials"),
    W("POST", "/wallet/{credential_id}/visibility", SIGNED, "own_object", "issued_credentials"),
    Row("GET", "/wallet/{credential_id}/download/{fmt}", SIGNED, "own_object"),
    Row("GET", "/wallet/{credential_id}/image.svg", SIGNED, "own_object"),
    Row("GET", "/orgs/{slug}/credentials", T_ADMIN, "org_admin"),
    Row("GET", "/orgs/{slug}/credentials/{credential_id}/revoke", T_ADMIN, "org_admin"),
    W("POST", "/orgs/{slug}/credentials/{credential_id}/revoke", T_ADMIN, "org_admin",
      "issued_credentials", ok=422),
    W("POST", "/orgs/{slug}/credentials/{credential_id}/renew", T_ADMIN, "org_admin",
      "issued_credentials", ok=422),
    Row("GET", "/orgs/{slug}/admin/issuer", T_ADMIN, "org_admin"),
    Row("GET", "/orgs/{slug}/admin/issuer/rotate", T_ADMIN, "org_admin"),
    W("POST", "/orgs/{slug}/admin/issuer/rotate", T_ADMIN, "org_admin", "signing_keys", ok=409),
    # micro-credential authoring and awards
    Row("GET", "/orgs/{slug}/micro-credentials", T_ADMIN, "org_admin"),
    Row("GET", "/orgs/{slug}/micro-credentials/new", T_ADMIN, "org_admin"),
    W("POST", "/orgs/{slug}/micro-credentials/new", T_ADMIN, "org_admin", "micro_credentials",
      ok=422),
    Row("GET", "/orgs/{slug}/micro-credentials/{definition_id}/edit", T_ADMIN, "org_admin"),
    W("POST", "/orgs/{slug}/micro-credentials/{definition_id}/edit", T_ADMIN, "org_admin",
      "micro_credentials", ok=422),
    W("POST", "/orgs/{slug}/micro-credentials/{definition_id}/publish", T_ADMIN, "org_admin",
      "micro_credentials", ok=409),
    W("POST", "/orgs/{slug}/micro-credentials/{definition_id}/archive", T_ADMIN, "org_admin",
      "micro_credentials"),
    Row("GET", "/orgs/{slug}/micro-credentials/{definition_id}/issue", T_ADMIN, "org_admin"),
    W("POST", "/orgs/{slug}/micro-credentials/{definition_id}/issue", T_ADMIN, "org_admin",
      "issued_credentials", ok=422),
    Row("GET", "/orgs/{slug}/awards", T_ADMIN, "org_admin"),
    W("POST", "/orgs/{slug}/awards/retry", T_ADMIN, "org_admin", "awards"),
    Row("GET", "/micro-credentials", SIGNED, "signed_in"),
    # communities (middle-math: the teacher, the admin and the coach belong; the coach wrote the
    # reply named by {post_id} and facilitates; the platform admin is not a member)
    Row("GET", "/orgs/{slug}/communities", T_MEMBER, "org_member"),
    W("POST", "/orgs/{slug}/communities", T_COACH, "org_coach", "communities", ok=422),
    Row("GET", "/orgs/{slug}/communities/search", T_MEMBER, "org_member"),
    Row("GET", COMMUNITY, T_MEMBER, "org_member"),
    W("POST", COMMUNITY + "/join", T_MEMBER, "303 409 409 409 403 303", "community_members"),
    W("POST", COMMUNITY + "/leave", T_MEMBER, "303 303 409 303 403 409", "community_members"),
    W("POST", COMMUNITY + "/mute", T_MEMBER, "303 303 303 303 403 409", "community_members"),
    Row("GET", COMMUNITY + "/members", T_MEMBER, "303 403 200 200 403 200"),
    W("POST", COMMUNITY + "/members/{member_id}", T_MEMBER, "303 403 409 409 403 409",
      "community_members"),
    W("POST", COMMUNITY + "/threads", T_MEMBER, "org_member_not_platform", "community_threads",
      ok=422),
    Row("GET", COMMUNITY + "/threads/{thread_id}", T_MEMBER, "org_member"),
    Row("GET", COMMUNITY + "/people/{user_id}", T_MEMBER, "org_member"),
    W("POST", COMMUNITY + "/threads/{thread_id}/replies", T_MEMBER, "org_member_not_platform",
      "community_posts", ok=422),
    W("POST", COMMUNITY + "/threads/{thread_id}/{flag}", T_MEMBER, "303 403 303 303 403 303",
      "community_threads"),
    Row("GET", COMMUNITY + "/posts/{post_id}/edit", T_MEMBER, "303 403 200 403 403 403"),
    W("POST", COMMUNITY + "/posts/{post_id}/edit", T_MEMBER, "303 403 422 403 403 403",
      "community_posts"),
    Row("GET", COMMUNITY + "/posts/{post_id}/history", T_MEMBER, "org_member"),
    W("POST", COMMUNITY + "/posts/{post_id}/delete", T_MEMBER, "303 403 303 403 403 403",
      "community_posts"),
    W("POST", COMMUNITY + "/posts/{post_id}/react", T_MEMBER, "org_member", "community_reactions",
      ok=422),
    W("POST", COMMUNITY + "/posts/{post_id}/helpful", T_MEMBER, "org_member", "community_posts"),
    Row("GET", COMMUNITY + "/posts/{post_id}/report", T_MEMBER, "org_member"),
    W("POST", COMMUNITY + "/posts/{post_id}/report", T_MEMBER, "org_member", "community_reports",
      ok=422),
    Row("GET", COMMUNITY + "/moderation", T_MEMBER, "303 403 200 200 403 200"),
    W("POST", COMMUNITY + "/posts/{post_id}/moderate", T_MEMBER, "303 403 422 422 403 422",
      "community_posts"),
    W("POST", COMMUNITY + "/reports/{report_id}/dismiss", T_MEMBER, "303 403 303 303 403 303",
      "community_reports"),
    Row("GET", COMMUNITY + "/resources", T_MEMBER, "org_member"),
    W("POST", COMMUNITY + "/resources", T_MEMBER, "org_member_not_platform",
      "community_resources", ok=422),
    W("POST", COMMUNITY + "/resources/{resource_id}/vote", T_MEMBER, "org_member_not_platform",
      "community_resource_votes"),
    Row("GET", COMMUNITY + "/exemplars", T_MEMBER, "org_member"),
    W("POST", COMMUNITY + "/exemplars/{exemplar_id}/withdraw", T_MEMBER,
      "303 404 404 404 403 404", "community_exemplars"),
    Row("GET", "/files/{attachment_id}", SIGNED, "signed_in", ok=404),
    W("POST", "/evidence/{submission_id}/exemplars", SIGNED, "own_object", "community_exemplars",
      ok=409, body={"community_id": "{community_id}", "consent": "true"}),
    W("POST", "/evidence/{submission_id}/exemplars/{exemplar_id}/withdraw", SIGNED, "signed_in",
      "community_exemplars", ok=404),
    # mentorship (the coach mentors the teacher; admins assign but do not read the pair)
    Row("GET", "/orgs/{slug}/mentorships", T_ADMIN, "org_admin"),
    W("POST", "/orgs/{slug}/mentorships", T_ADMIN, "org_admin", "mentorships", ok=422),
    W("POST", "/orgs/{slug}/mentorships/{mentorship_id}/end", T_ADMIN, "org_admin", "mentorships"),
    Row("GET", "/coaching", SIGNED, "signed_in"),
    Row("GET", "/coaching/{mentorship_id}", SIGNED, "mentorship_party"),
    W("POST", "/coaching/{mentorship_id}/messages", SIGNED, "mentorship_party",
      "coaching_messages", body={"body": "Matrix message"}),
    W("POST", "/coaching/{mentorship_id}/notes", SIGNED, "303 403 303 404 404 404",
      "coaching_messages", body={"note": "Matrix note"}),
    W("POST", "/coaching/{mentorship_id}/goals", SIGNED, "mentorship_party", "coaching_goals",
      body={"title": "Matrix goal"}),
    W("POST", "/coaching/{mentorship_id}/goals/{goal_id}/status", SIGNED, "mentorship_party",
      "coaching_goals", body={"status": "achieved"}),
    # evidence (the submission is the teacher's, submitted and waiting for review)
    Row("GET", "/evidence", SIGNED, "signed_in"),
    Row("GET", "/micro-credentials/{definition_id}/evidence", SIGNED, "303 303 200 200 404 200"),
    W("POST", "/micro-credentials/{definition_id}/evidence", SIGNED, "303 409 303 303 404 303",
      "submissions"),
    Row("GET", "/evidence/files/{file_id}", SIGNED, "org_object"),
    Row("GET", "/evidence/{submission_id}", SIGNED, "own_object"),
    W("POST", "/evidence/{submission_id}", SIGNED, "own_object", "evidence_attempts", ok=409),
    W("POST", "/evidence/{submission_id}/withdraw", SIGNED, "own_object", "submissions"),
    W("POST", "/evidence/{submission_id}/revise", SIGNED, "own_object", "submissions", ok=409),
    W("POST", "/evidence/{submission_id}/public-sharing", SIGNED, "own_object", "submissions",
      body={"share": "on"}),
    # review
    Row("GET", "/review", SIGNED, "303 403 200 200 200 200"),
    Row("GET", "/review/{submission_id}", SIGNED, "org_reviewer"),
    W("POST", "/review/{submission_id}/claim", SIGNED, "org_reviewer", "submissions"),
    W("POST", "/review/{submission_id}/release", SIGNED, "303 404 403 303 404 303", "submissions"),
    W("POST", "/review/{submission_id}/decision", SIGNED, "org_reviewer", "reviews", ok=422),
    W("POST", "/review/{submission_id}/calibration", SIGNED, "org_reviewer", "reviews", ok=422),
    Row("GET", "/orgs/{slug}/review", T_ADMIN, "org_admin"),
    W("POST", "/orgs/{slug}/review/{submission_id}/assign", T_ADMIN, "org_admin", "submissions",
      ok=422),
    W("POST", "/orgs/{slug}/review/{submission_id}/calibration", T_ADMIN, "org_admin", "reviews",
      ok=422),
    # impact (the state report's download is recorded in the audit trail)
    Row("GET", "/orgs/{slug}/admin/impact", T_ADMIN, "org_admin"),
    Row("GET", "/orgs/{slug}/admin/impact/{table}.csv", T_ADMIN, "org_admin"),
    W("GET", "/orgs/{slug}/admin/impact/state-report.csv", T_ADMIN, "org_admin", "audit_events",
      ok=200),
    Row("GET", "/orgs/{slug}/coach/impact", T_COACH, "org_coach"),
    Row("GET", "/api/v1/orgs/{slug}/impact", "ApiToken(impact:read)", "token_org_admin"),
    # JSON API: account and organizations
    Row("GET", "/api/v1/me", "ApiToken(account:read)", "token"),
    Row("GET", "/api/v1/notifications", "ApiToken(account:read)", "token"),
    Row("GET", "/api/v1/orgs", "ApiToken(orgs:read)", "token"),
    Row("GET", "/api/v1/orgs/{slug}", "ApiToken(orgs:read)", "token_org_member"),
    Row("GET", "/api/v1/orgs/{slug}/members", "ApiToken(orgs:read)", "token_org_coach"),
    W("POST", "/api/v1/orgs/{slug}/invitations", "ApiToken(orgs:admin)", "token_org_admin",
      "invitations", ok=201, body={"email": "new@riverbend.example", "role": "teacher"}),
    W("PATCH", "/api/v1/orgs/{slug}/members/{membership_id}", "ApiToken(orgs:admin)",
      "token_org_admin", "memberships", ok=200, body={"role": "coach"}),
    Row("POST", "/api/v1/verify", "optional_api_token", "public", ok=422),
    Row("POST", "/api/v1/verify/batch", "optional_api_token", "public", ok=422),
    # JSON API: communities
    Row("GET", "/api/v1/orgs/{slug}/communities", "ApiToken(communities:read)",
      "token_org_member"),
    Row("GET", "/api/v1/communities/{community_id}/threads", "ApiToken(communities:read)",
      "token_org_object"),
    W("POST", "/api/v1/communities/{community_id}/threads", "ApiToken(communities:write)",
      "401 ok ok ok 404 403 403", "community_threads", ok=201, body={"title": "Matrix thread",
      "body": "Matrix body"}),
    Row("GET", "/api/v1/communities/{community_id}/threads/{thread_id}",
      "ApiToken(communities:read)", "token_org_object"),
    W("POST", "/api/v1/communities/{community_id}/threads/{thread_id}/posts",
      "ApiToken(communities:write)", "401 ok ok ok 404 403 403", "community_posts", ok=201,
      body={"body": "Matrix reply"}),
    # JSON API: learning
    Row("GET", "/api/v1/modules", "ApiToken(learning:read)", "token"),
    Row("GET", "/api/v1/modules/{module_id}", "ApiToken(learning:read)", "token_org_object"),
    W("POST", "/api/v1/modules/{module_id}/enrollment", "ApiToken(learning:write)",
      "token_org_object", "enrollments", ok=201),
    W("DELETE", "/api/v1/modules/{module_id}/enrollment", "ApiToken(learning:write)",
      "token_org_object", "enrollments", ok=409),
    W("POST", "/api/v1/modules/{module_id}/activities/{activity_id}/done",
      "ApiToken(learning:write)", "401 403 403 403 404 403 403", "activity_progress"),
    Row("GET", "/api/v1/enrollments", "ApiToken(learning:read)", "token"),
    Row("GET", "/api/v1/transcript", "ApiToken(learning:read)", "token"),
    # JSON API: coaching
    Row("GET", "/api/v1/mentorships", "ApiToken(coaching:read)", "token"),
    Row("GET", "/api/v1/mentorships/{mentorship_id}/messages", "ApiToken(coaching:read)",
      "token_mentorship_party"),
    W("POST", "/api/v1/mentorships/{mentorship_id}/messages", "ApiToken(coaching:write)",
      "token_mentorship_party", "coaching_messages", ok=201, body={"body": "Matrix message"}),
    Row("GET", "/api/v1/mentorships/{mentorship_id}/goals", "ApiToken(coaching:read)",
      "token_mentorship_party"),
    W("POST", "/api/v1/mentorships/{mentorship_id}/goals", "ApiToken(coaching:write)",
      "token_mentorship_party", "coaching_goals", ok=201, body={"title": "Matrix goal"}),
    W("PATCH", "/api/v1/mentorships/{mentorship_id}/goals/{goal_id}", "ApiToken(coaching:write)",
      "token_mentorship_party", "coaching_goals", ok=200, body={"status": "achieved"}),
    # JSON API: micro-credentials, evidence, reviews
    Row("GET", "/api/v1/micro-credentials", "ApiToken(microcredentials:read)", "token"),
    Row("GET", "/api/v1/micro-credentials/{definition_id}", "ApiToken(microcredentials:read)",
      "token"),
    Row("GET", "/api/v1/orgs/{slug}/micro-credentials", "ApiToken(microcredentials:write)",
      "token_org_admin"),
    W("POST", "/api/v1/orgs/{slug}/micro-credentials", "ApiToken(microcredentials:write)",
      "token_org_admin", "micro_credentials", ok=201, body={"__definition__": ""}),
    W("PATCH", "/api/v1/micro-credentials/{definition_id}", "ApiToken(microcredentials:write)",
      "token_org_admin", "micro_credentials", ok=200),
    W("POST", "/api/v1/micro-credentials/{definition_id}/publish",
      "ApiToken(microcredentials:write)", "token_org_admin", "micro_credentials", ok=409),
    W("POST", "/api/v1/micro-credentials/{definition_id}/archive",
      "ApiToken(microcredentials:write)", "token_org_admin", "micro_credentials", ok=200),
    Row("GET", "/api/v1/evidence/submissions", "ApiToken(evidence:read)", "token"),
    W("POST", "/api/v1/micro-credentials/{definition_id}/submissions", "ApiToken(evidence:write)",
      "token_org_object", "submissions", ok=201),
    Row("GET", "/api/v1/evidence/submissions/{submission_id}", "ApiToken(evidence:read)",
      "token_own_object"),
    W("PUT", "/api/v1/evidence/submissions/{submission_id}/draft", "ApiToken(evidence:write)",
      "token_own_object", "evidence_attempts", ok=409),
    W("POST", "/api/v1/evidence/submissions/{submission_id}/files", "ApiToken(evidence:write)",
      "token_own_object", "evidence_files", ok=409, body={"requirement": "artifacts"}, files=True),
    W("DELETE", "/api/v1/evidence/submissions/{submission_id}/files/{file_id}",
      "ApiToken(evidence:write)", "token_own_object", "evidence_files", ok=409),
    W("POST", "/api/v1/evidence/submissions/{submission_id}/submit", "ApiToken(evidence:write)",
      "token_own_object", "submissions", ok=409, body={"privacy_confirmed": True}),
    Row("GET", "/api/v1/reviews/queue", "ApiToken(reviews:read)", "401 403 200 200 200 200 403"),
    Row("GET", "/api/v1/reviews/submissions/{submission_id}", "ApiToken(reviews:read)",
      "token_org_reviewer"),
    W("POST", "/api/v1/reviews/submissions/{submission_id}/claim", "ApiToken(reviews:write)",
      "token_org_reviewer", "submissions", ok=200),
    W("POST", "/api/v1/reviews/submissions/{submission_id}/decision", "ApiToken(reviews:write)",
      "token_org_reviewer", "reviews", ok=422, body={"attempt_no": 1, "decision": "earned",
      "scores": []}),
]  # fmt: skip


def fill(template: str, ids: dict[str, str]) -> str:
    """A path (or form value) with its ``{name}`` parameters replaced by the world's ids."""
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], template)


def _key(method: str, path: str) -> str:
    return f"{method} {path}"


COLUMNS = (*ROLES, "missing_scope")


def _cells() -> Iterator[tuple[Row, str, int]]:
    """Every (row, caller, declared status); the scope column only for ApiToken routes."""
    for row in MATRIX:
        statuses = row.expected()
        width = len(ROLES) + (1 if row.access.startswith("ApiToken") else 0)
        assert len(statuses) == width, row
        yield from ((row, role, status) for role, status in zip(COLUMNS, statuses, strict=False))


@pytest.fixture(scope="module")
def env(database_url, engine, tmp_path_factory) -> Iterator[Env]:
    """The seeded world on this backend (PostgreSQL only with LAUREL_SECURITY_FULL=1)."""
    yield from matrix_env(database_url, engine, tmp_path_factory, backend="sqlite")


def test_every_served_route_has_exactly_one_row(settings) -> None:
    app = create_app(settings, engine=create_engine("sqlite://"))
    served = {
        _key(method, route.path): access_rule(route)
        for route in app_routes(app)
        for method in route.methods
    }
    declared = {_key(row.method, row.path): row.access for row in MATRIX}
    assert len(declared) == len(MATRIX), "a route is declared twice"
    assert sorted(set(served) - set(declared)) == [], "routes without a row"
    assert sorted(set(declared) - set(served)) == [], "rows for routes that no longer exist"
    assert {k: v for k, v in declared.items() if served[k] != v} == {}, "access rule changed"
    assert len(served) > 200
    unknown_tables = {row.table for row in MATRIX} - set(Base.metadata.tables) - {None}
    assert unknown_tables == set()


def _request(env: Env, row: Row, role: str) -> Call:
    ids = env.world.ids
    body = {k: fill(v, ids) if isinstance(v, str) else v for k, v in row.body.items()}
    if "__definition__" in body:
        body = {**fields(), "pd_hours": "3", "validity_months": None}
    files = {"file": ("chart.png", _png(), "image/png")} if row.files else None
    token = None
    if role == "missing_scope":
        role, token = "admin", env.world.missing_scope[row.access[len("ApiToken(") : -1]]
    path = fill(row.path, ids) + (f"?{urlencode(row.params)}" if row.params else "")
    return env.request(role, row.method, path, api=row.api, token=token, body=body, files=files)


def test_authorization_matrix(env: Env) -> None:
    """Every cell gets its declared status; refused writes change nothing."""
    cells = list(_cells())
    baselines: dict[str, Any] = {}
    calls: list[tuple[Call, Callable[[], Any] | None]] = []
    for row, role, expected in cells:
        look = None
        if row.table and expected in REFUSED:
            baselines.setdefault(row.table, snapshot(env.connection, row.table))
            look = functools.partial(snapshot, env.connection, row.table)
        calls.append((_request(env, row, role), look))
    results = env.call_all(calls)
    mismatches = []
    for (row, role, expected), (response, after), (_, look) in zip(
        cells, results, calls, strict=True
    ):
        if response.status_code != expected:
            mismatches.append(
                f"{row.method} {row.path} as {role}: {response.status_code} (declared {expected})"
            )
        if look is not None and after != baselines[row.table or ""]:
            mismatches.append(f"{row.method} {row.path} as {role}: refused but wrote")
    assert mismatches == [], "\n".join(mismatches)
    assert len(results) == sum(len(row.expected()) for row in MATRIX) == 1520
    assert sum(1 for _, look in calls if look is not None) == 342
