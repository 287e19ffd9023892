"""Routes of the impact dashboard: pages, CSV downloads and the JSON API."""
