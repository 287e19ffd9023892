"""Mentorship: coach and teacher pairs, goals, messages and notes."""
