"""A defect's number in the global search box jumps to the defect (registered with core.search from
delivery/apps.py); out of the user's scope it is not found, as for any record."""

from __future__ import annotations

import re

from django.urls import reverse

from .models import Defect

DEFECT_NUMBER = re.compile(r"DF-\d{6}-\d{6,}", re.IGNORECASE)


def defect_number_url(user, text: str) -> str | None:
    text = text.strip()
    if not DEFECT_NUMBER.fullmatch(text):
        return None
    pk = Defect.objects.visible_to(user).filter(number=text.upper()).values_list("pk", flat=True).first()
    return reverse("delivery:defect-detail", args=[pk]) if pk else None
