"""Impact: what an organization's professional learning achieved, in figures that identify
no one."""
