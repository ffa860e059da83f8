"""Surveys' reads, one module per concept (import from the module: surveys.selectors.answering)."""
