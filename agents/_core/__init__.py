"""Shared machinery for the agents (the leading underscore: not an agent)."""
