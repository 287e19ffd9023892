"""Organizations, members, invitations, SSO."""
