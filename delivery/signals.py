"""What the handover desk tells the apps above it (they connect receivers in their AppConfig.ready();
delivery imports none of them)."""

from django.dispatch import Signal

# Sent by delivery.services.inspection.handover_sign_off INSIDE the sign-off's transaction, after the
# unit is handed over, with `handover=`, `contract=` (the unit's active contract, or None) and `by=`.
handover_signed = Signal()
