"""HTTP routes of orgs: pages, JSON API and their schemas."""
