"""How an owner is written to: the rule that picks the channel and address, written once.

An owner chose a contact channel (`Customer.preferred_channel`). Messages follow it where it can
carry a message and the address is known; otherwise they go by SMS to the primary mobile number:

    email   → email, when the customer has an address
    wechat  → a WeChat template message, when the customer has bound an openid
    sms, phone, visit (a call or a visit carries no automatic message) → SMS to the primary mobile

Failing all of these (no phone), an email address is still used; with nothing, there is no message.
"""

from __future__ import annotations

from core.outbox import OutgoingMessage

from .models import ContactChannel, Customer

# The channels whose gateways send registered templates (China's SMS carriers, WeChat).
TEMPLATE_CHANNELS = ("sms", "wechat")


def owner_address(customer: Customer) -> tuple[str, str] | None:
    """(outbox channel, address) for this customer, or None when there is no way to reach them.
    Reads `customer.phones.all()`: prefetch the phones when calling it for many customers. An
    anonymised record has placeholders for addresses: no way."""
    if customer.anonymised_at is not None:
        return None
    chosen = customer.preferred_channel
    if chosen == ContactChannel.EMAIL and customer.email:
        return "email", customer.email
    if chosen == ContactChannel.WECHAT and customer.wechat_openid:
        return "wechat", customer.wechat_openid
    phone = customer.primary_phone
    if phone is not None:
        return "sms", phone.number
    if customer.email:
        return "email", customer.email
    return None


def owner_message(
    customer: Customer,
    *,
    kind: str,
    idempotency_key: str,
    subject: str,
    text: str,
    template_code: str = "",
    template_params: dict | None = None,
) -> OutgoingMessage | None:
    """The message to this customer on their channel, for core.outbox.messages_enqueue (None: no way
    to reach them). `text` is the whole message (the email's body, what the file providers write);
    `subject` heads an email. SMS and WeChat carry `template_code` (the kind by default) and
    `template_params` too: their gateways send approved templates only (core.outbox.templates)."""
    address = owner_address(customer)
    if address is None:
        return None
    channel, recipient = address
    templated = channel in TEMPLATE_CHANNELS
    return OutgoingMessage(
        channel=channel,
        recipient=recipient,
        kind=kind,
        idempotency_key=idempotency_key,
        subject=subject if channel == "email" else "",
        body=text,
        template_code=(template_code or kind) if templated else "",
        template_params=(template_params or {}) if templated else {},
    )
