"""Reads of surveys, one module per concept."""
