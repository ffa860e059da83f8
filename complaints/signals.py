"""What the complaint desk tells the apps above it (they connect receivers in their AppConfig.ready();
complaints imports none of them)."""

from django.dispatch import Signal

# Sent by complaints.services.path.complaint_close INSIDE the close's transaction, after the complaint
# is saved closed, with `complaint=` and `by=`. A receiver's writes commit or roll back with the close.
# Sent again when a reopened complaint is closed again: receivers decide whether that is a new event.
complaint_closed = Signal()
