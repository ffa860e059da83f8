"""Forms of the surveys pages, one module per concept."""
