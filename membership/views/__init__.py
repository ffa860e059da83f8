"""The club's pages: staff (members.py, review.py) and public (public.py). Thin: parse, call, render."""
