"""Learning: catalog, modules, enrollment, authoring, pathways, recommendations, transcript."""
