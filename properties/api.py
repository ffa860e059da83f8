def register(router) -> None:
    """Filled in by the API work."""
