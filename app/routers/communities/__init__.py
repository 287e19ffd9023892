"""HTTP routes of communities: pages, JSON API and their schemas."""
