"""Seeders: the demo district and the large synthetic data set."""
