"""Writes of surveys, one module per concept (import them from their module)."""
