"""Scopes a personal access token can carry, with what each allows."""

SCOPES: dict[str, str] = {
    "account:read": "Read your own profile and memberships",
    "orgs:read": "Read organizations you belong to and, as coach or admin, their members",
    "orgs:admin": "Invite members and change roles where you are an administrator",
    "verify": "Verify credentials through the API at the higher rate limit for employers",
}
