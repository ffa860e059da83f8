"""Fixtures of the lifecycle tests; each helper's in its own module, imported here."""

# --- construction news ---
from .news_fixtures import estate, news_draft  # noqa: F401

# --- registers: commitments, red line, risk, renovation ---
from .registers_fixtures import batch, contract, engineer  # noqa: F401

# --- the owner timeline ---
from .timeline_fixtures import complaint, every_kind, leak, long_history  # noqa: F401, E402
