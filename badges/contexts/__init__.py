"""Bundled JSON-LD context files (package data)."""
