"""Micro-credentials: definitions, versions, images and rubrics."""
