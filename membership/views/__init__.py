"""The club's staff pages, one module per concept; membership/urls.py maps them."""
