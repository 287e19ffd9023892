"""JSON-LD-tolerant variants of the OB 3.0 schemas (package data)."""
