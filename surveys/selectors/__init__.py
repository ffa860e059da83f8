"""Reads of surveys: results (results.py); targeting is the campaigns' (targeting.py)."""
