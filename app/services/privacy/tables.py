"""Every table that holds a person's rows, and what "download my data" and erasure do with it.

A table with a foreign key to ``users`` must be named here: either in ``EXPORTED`` (the file of
the export it goes into) or in ``NOT_PERSONAL`` (why it is left out). ``tests/privacy`` lists the
tables of the schema and fails when a new one is in neither, so a future table cannot be forgotten.
"""

from __future__ import annotations

EXPORTED: dict[str, str] = {
    "users": "profile.json",
    "learner_profiles": "profile.json",
    "self_ratings": "profile.json",
    "memberships": "profile.json",
    "oidc_identities": "profile.json",
    "access_tokens": "profile.json",
    "user_sessions": "profile.json",
    "notification_preferences": "profile.json",
    "digest_subscriptions": "profile.json",
    "enrollments": "enrollments.json",
    "pathway_completions": "enrollments.json",
    "activity_progress": "reflections.json",
    "quiz_attempts": "quiz_attempts.json",
    "module_feedback": "module_feedback.json",
    "submissions": "submissions.json",
    "evidence_attempts": "submissions.json",
    "evidence_files": "submissions.json",
    "reviews": "submissions.json",
    "review_scores": "submissions.json",
    "awards": "credentials.json",
    "issued_credentials": "credentials.json",
    "community_members": "posts.json",
    "community_threads": "posts.json",
    "community_posts": "posts.json",
    "community_post_revisions": "posts.json",
    "community_reactions": "posts.json",
    "community_reports": "posts.json",
    "community_resources": "posts.json",
    "community_resource_votes": "posts.json",
    "community_attachments": "posts.json",
    "community_exemplars": "posts.json",
    "mentorships": "messages.json",
    "coaching_goals": "messages.json",
    "coaching_messages": "messages.json",
    "notifications": "notifications.json",
    "audit_events": "audit_events.json",
    "data_exports": "exports.json",
    "invitations": "profile.json",
    "outbox_messages": "emails.json",
}
"""Table -> the file of the export holding the person's rows of it."""

NOT_PERSONAL: dict[str, str] = {
    "email_tokens": "one-time links, stored hashed and short-lived; nothing to read in them",
    "form_submissions": "used form nonces that stop a form sent twice; no content",
    "organization_domains": "the platform admin who confirmed a domain; the domain is the data",
    "modules": "a module's author, as a reference; the module belongs to the organization",
    "micro_credentials": "a definition's author, as a reference; it belongs to the organization",
}
"""Tables with a foreign key to users whose rows are not the person's data, and why."""
