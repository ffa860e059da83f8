"""Reads of delivery, shaped for their pages and scoped to the user; one module per part of the work."""
