"""Pages of the delivery app, one module per part of the work; each module exports `urlpatterns`."""
