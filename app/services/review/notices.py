"""The review feature's notification kinds, registered together (the preferences page lists
kinds in the order they are registered)."""

from __future__ import annotations

from app.services.notifications import delivery as notifications

RECEIVED = notifications.register_kind(
    "evidence_received", "Evidence is submitted in an organization where you coach"
).key
DECIDED = notifications.register_kind(
    "evidence_decision", "A coach decides on your evidence (with the feedback)"
).key
ASSIGNED = notifications.register_kind(
    "review_assigned", "You are assigned a review, or asked for a second (calibration) review"
).key
