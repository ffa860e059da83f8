"""The lifecycle's writes: one module per concept."""
