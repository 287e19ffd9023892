"""HTTP routes of review: pages, JSON API and their schemas."""
