"""Routes of privacy: the account's data and deletion, the audit trail, retention and /privacy."""
