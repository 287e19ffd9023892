"""HTTP routes of learning: pages, JSON API and their schemas."""
