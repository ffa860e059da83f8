"""The club's writes, one module per concept (import from the module: `from membership.services.events
import registration_cancel`)."""
