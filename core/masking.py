"""Masks for personal data shown to staff (PIPL): 138****5678, 4403**********1234."""


def mask_phone(number: str) -> str:
    if not number:
        return ""
    if len(number) < 7:
        return "*" * len(number)
    return f"{number[:3]}{'*' * (len(number) - 7)}{number[-4:]}"


def mask_id_number(number: str) -> str:
    if not number:
        return ""
    if len(number) <= 8:
        return number[:1] + "*" * (len(number) - 1)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def mask_email(address: str) -> str:
    local, at, domain = (address or "").partition("@")
    return f"{local[:2]}***@{domain}" if at else mask_phone(address)


def mask_recipient(channel: str, address: str) -> str:
    """An outbox recipient as staff may see it: a phone or an email masked, a WeChat openid cut short."""
    if channel == "sms":
        return mask_phone(address)
    if channel == "email":
        return mask_email(address)
    return f"{address[:6]}…" if address else ""


def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***: enough for colleagues to tell rows apart, no one's full name."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)
