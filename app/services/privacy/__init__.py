"""Privacy: download my data, delete my account, retention, the readable audit trail and the
privacy notice."""
