"""Open Badges 3.0: build, sign, verify, keys, status lists and baking.

Imports nothing from app/.
"""
