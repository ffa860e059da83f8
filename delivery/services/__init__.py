"""Writes to delivery, one module per part of the work: planning (batches, readiness, slots and
appointments), inspection (checklists, sign-off), defects (recording) and rectification."""
