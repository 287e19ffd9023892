"""HTTP routes of notifications: pages, JSON API and their schemas."""
