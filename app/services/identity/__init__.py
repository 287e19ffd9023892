"""Identity: accounts, sessions, passwords, access tokens, sign-in throttling."""
