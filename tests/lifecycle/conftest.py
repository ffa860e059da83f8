"""Fixtures of the lifecycle tests; each helper's in its own module, imported here."""

# --- registers: commitments, red line, risk, renovation ---
from .registers_fixtures import batch, contract, engineer  # noqa: F401

# --- the owner timeline ---
from .timeline_fixtures import complaint, every_kind, leak, long_history  # noqa: F401, E402
