"""Identity: accounts, tokens, sign-in."""
