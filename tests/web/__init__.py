"""The web app as a whole: HTTP safety, permissions on every route, paging, limits, the CLI."""
