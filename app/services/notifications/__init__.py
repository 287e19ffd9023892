"""Notifications: the bell, e-mail preferences and undelivered mail."""
