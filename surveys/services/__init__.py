"""Surveys' writes, one module per concept (import from the module: surveys.services.responses)."""
