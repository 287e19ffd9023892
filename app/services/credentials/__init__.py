"""Credentials: awards, issuing, issuer keys, status lists, downloads, verification."""
