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
