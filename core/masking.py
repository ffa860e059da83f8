"""Masks for personal data shown to staff (PIPL): 138****5678, 4403**********1234."""

import re


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


# A mainland mobile number (11 digits from 13…–19…, perhaps written 138 1234 5678 or 138-1234-5678) and
# a resident ID number (17 digits and a check digit or X), not inside a longer run of letters or digits.
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?![0-9A-Za-z])")
_RESIDENT_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")


def mask_personal_numbers(text: str) -> str:
    """Free text with every mobile and resident ID number in it masked: what staff, owners or a log
    wrote may hold one, and a file, a log line or a message to staff must not carry it in the clear."""
    if not text or not isinstance(text, str):
        return text
    text = _RESIDENT_ID_IN_TEXT.sub(lambda match: mask_id_number(match.group(1)), text)
    return _MOBILE_IN_TEXT.sub(lambda match: mask_phone("".join(match.groups())), text)


def has_clear_personal_number(text: str) -> bool:
    """Whether the text holds a mobile or resident ID number in the clear (the tests' scanner)."""
    return bool(text) and (bool(_MOBILE_IN_TEXT.search(text)) or bool(_RESIDENT_ID_IN_TEXT.search(text)))
