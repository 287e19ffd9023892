"""Scopes a personal access token can carry, with what each allows."""

SCOPES: dict[str, str] = {
    "account:read": "Read your own profile and memberships",
    "orgs:read": "Read organizations you belong to and, as coach or admin, their members",
    "orgs:admin": "Invite members and change roles where you are an administrator",
    "verify": "Verify credentials through the API at the higher rate limit for employers",
    "communities:read": "Read communities, threads and posts you can see",
    "communities:write": "Start threads and reply in communities you belong to",
    "learning:read": "Read the module catalog, your enrollments, progress and PD transcript",
    "learning:write": "Enroll in modules, leave them and record your progress",
    "coaching:read": "Read your mentorships, their goals and messages",
    "coaching:write": "Send coaching messages and set or update coaching goals",
    "microcredentials:read": "Read the micro-credentials offered to you",
    "microcredentials:write": "Create, edit, publish and archive micro-credentials where you are "
    "an administrator",
    "evidence:read": "Read your micro-credential evidence submissions and their feedback",
    "evidence:write": "Start, edit and submit your micro-credential evidence",
    "reviews:read": "Read the review queue and submissions where you coach",
    "reviews:write": "Claim submissions and record rubric reviews where you coach",
    "impact:read": "Read the impact figures (small groups suppressed) of organizations you "
    "administer",
}
