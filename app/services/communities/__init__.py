"""Communities of practice: membership, threads, resources, moderation, exemplars."""
