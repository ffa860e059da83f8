"""The club's forms, one module per concept (import from the module)."""
