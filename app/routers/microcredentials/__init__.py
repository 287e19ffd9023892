"""HTTP routes of microcredentials: pages, JSON API and their schemas."""
