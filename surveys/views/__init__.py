"""Staff pages of surveys, one module per concept."""
