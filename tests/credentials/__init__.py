"""Credentials: issuing, sharing, revocation, verification."""
