"""HTTP routes of identity: pages, JSON API and their schemas."""
