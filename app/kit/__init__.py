"""Infrastructure shared by every feature, without FastAPI."""
