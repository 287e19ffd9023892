"""Learning: modules, enrollment, authoring, recommendations."""
