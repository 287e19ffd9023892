"""HTTP plumbing shared by every router."""
