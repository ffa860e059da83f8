"""The club's reads, one module per concept (import from the module)."""
