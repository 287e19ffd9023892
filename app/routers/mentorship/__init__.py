"""HTTP routes of mentorship: pages, JSON API and their schemas."""
