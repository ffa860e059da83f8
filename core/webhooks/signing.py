"""How a delivery is signed, and how a receiver checks it (the README shows the same in a receiver).

Signature = hex HMAC-SHA256 under the endpoint's secret of "<timestamp>.<body>", sent as
`X-CRM-Signature: v1=<hex>` beside `X-CRM-Timestamp: <unix seconds>`. The timestamp is signed too, so
a receiver that refuses old timestamps (five minutes) cannot be fed a recorded delivery again.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-CRM-Signature"
TIMESTAMP_HEADER = "X-CRM-Timestamp"
EVENT_HEADER = "X-CRM-Event"
DELIVERY_HEADER = "X-CRM-Delivery"
TOLERANCE_SECONDS = 300


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_signature_valid(
    secret: str, *, timestamp: str, signature: str, body: bytes, now: float | None = None
) -> bool:
    """What a receiver does: the timestamp is recent and the signature is the body's under the secret."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - sent_at) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(webhook_signature(secret, sent_at, body), signature or "")
