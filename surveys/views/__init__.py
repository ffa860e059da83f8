"""Staff pages of surveys, one module per page family (results.py: results, verbatims)."""
