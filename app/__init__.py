"""Laurel: professional learning and Open Badges 3.0 micro-credentials for educators."""
