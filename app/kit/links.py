"""Links to Laurel's own pages, named once: routers declare their routes with these paths and
names, and services build addresses from them (never from hand-written strings), so renaming or
moving a route cannot silently break a link in an e-mail, a notification or a credential."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Link:
    """One route: its name in the app's route table and its path template."""

    name: str
    path: str

    def path_for(self, **params: object) -> str:
        """The path with every placeholder filled (each value quoted as one path segment)."""
        return self.path.format(
            **{key: quote(str(value), safe="") for key, value in params.items()}
        )

    def absolute(self, base_url: str, **params: object) -> str:
        """The full address under the site's base URL."""
        return base_url.rstrip("/") + self.path_for(**params)

    def under(self, prefix: str) -> str:
        """The path as a router mounted at ``prefix`` declares it (the rest after the prefix)."""
        if not self.path.startswith(prefix):
            raise ValueError(f"{self.path} is not under {prefix}")
        return self.path.removeprefix(prefix)


# Accounts (one-time links in e-mail)
VERIFY_EMAIL = Link("verify_email", "/verify-email")
PASSWORD_RESET = Link("password_reset", "/password/reset")
EMAIL_CHANGE_CONFIRM = Link("email_change_confirm", "/account/email/confirm")
# Organizations
INVITATION = Link("invitation", "/invitations/{token}")
ORG_PROFILE = Link("org_profile", "/orgs/{slug}/profile")
SSO_CALLBACK = Link("sso_callback", "/sso/callback")
ORG_ADMIN = Link("org_admin", "/orgs/{slug}/admin")
ADMIN_CHOOSER = Link("admin_chooser", "/administer")
ISSUER_ADMIN = Link("issuer_admin", "/orgs/{slug}/admin/issuer")
# Micro-credentials and credentials (addresses inside signed credentials)
MICROCREDENTIAL = Link("microcredential_page", "/micro-credentials/{definition_id}")
MICROCREDENTIAL_IMAGE = Link("microcredential_image", "/micro-credentials/{definition_id}/image")
CREDENTIAL = Link("credential_page", "/credentials/{credential_id}")
STATUS_LIST = Link("status_list", "/status/{slug}/{sequence}")
WALLET = Link("wallet", "/wallet")
# Evidence and review
EVIDENCE = Link("evidence_page", "/evidence/{submission_id}")
EVIDENCE_PUBLIC = Link("evidence_public", "/evidence/{submission_id}/public")
REVIEW = Link("review_page", "/review/{submission_id}")
# Coaching and communities
COACHING = Link("coaching_page", "/coaching/{mentorship_id}")
COMMUNITIES = Link("communities", "/orgs/{slug}/communities")
COMMUNITY = Link("community_page", "/orgs/{slug}/communities/{community}")
COMMUNITY_THREAD = Link(
    "community_thread", "/orgs/{slug}/communities/{community}/threads/{thread_id}"
)
COMMUNITY_PERSON = Link("community_person", "/orgs/{slug}/communities/{community}/people/{user_id}")
COMMUNITY_MODERATION = Link(
    "community_moderation", "/orgs/{slug}/communities/{community}/moderation"
)
DIGEST_UNSUBSCRIBE = Link("digest_unsubscribe", "/digest/unsubscribe")
# Privacy
DATA_EXPORTS = Link("data_exports", "/account/data")

#: Every named link, for the test that checks each against the app's route table.
ALL: tuple[Link, ...] = (
    VERIFY_EMAIL, PASSWORD_RESET, EMAIL_CHANGE_CONFIRM, INVITATION, ORG_PROFILE, SSO_CALLBACK,
    ORG_ADMIN, ADMIN_CHOOSER, ISSUER_ADMIN,
    MICROCREDENTIAL, MICROCREDENTIAL_IMAGE, CREDENTIAL, STATUS_LIST, WALLET, EVIDENCE,
    EVIDENCE_PUBLIC, REVIEW, COACHING, COMMUNITIES, COMMUNITY, COMMUNITY_THREAD,
    COMMUNITY_PERSON, COMMUNITY_MODERATION,
    DIGEST_UNSUBSCRIBE,
    DATA_EXPORTS,
)  # fmt: skip
