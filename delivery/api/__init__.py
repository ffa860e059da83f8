"""REST API of the delivery app, one module per part of the work; each exposes `register(router)`."""
