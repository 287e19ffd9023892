"""Organizations: members, invitations, roles and single sign-on."""
