"""Scopes a personal access token can carry, with what each allows."""

SCOPES: dict[str, str] = {
    "account:read": "Read your own profile and memberships",
    "orgs:read": "Read organizations you belong to and, as coach or admin, their members",
    "orgs:admin": "Invite members and change roles where you are an administrator",
    "learning:read": "Read the module catalog, your enrollments, progress and PD transcript",
    "learning:write": "Enroll in modules, leave them and record your progress",
}
