"""The club's pages, one module per concept."""
