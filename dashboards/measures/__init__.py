"""The centre's measures (see base.py for how a figure is made, engine.py for whose figures)."""
