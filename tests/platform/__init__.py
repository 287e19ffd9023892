"""The platform as a whole: HTTP safety, permissions, CLI, limits."""
