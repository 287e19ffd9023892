"""HTTP routes of credentials: pages, JSON API and their schemas."""
