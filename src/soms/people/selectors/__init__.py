"""Reads for people, structure and role profiles, always narrowed by the member's scope."""
