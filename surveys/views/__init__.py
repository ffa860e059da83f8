"""Surveys' staff pages, one module per concept."""
