"""The club's forms, one module per concept."""
