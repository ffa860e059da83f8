"""Staff forms of surveys, one module per page family (results.py: the results' filters)."""
