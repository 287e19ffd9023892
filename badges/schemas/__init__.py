"""Bundled 1EdTech OB 3.0 JSON Schemas (package data)."""
