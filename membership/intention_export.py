"""Purchase intentions as an Excel file for sales (core.exports): the page's filters, in scope.

Phones are masked like every export (core.exports: a file leaves the desk, the reveal log cannot
follow it); sales call back through the customer record or the reveal on screen.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from core.exports import Exporter, chunked, local_time
from core.masking import mask_phone

from .models import EnrolmentChannel, PurchaseIntention
from .permissions import may_view_club
from .selectors.growth import intention_list


def _int_or_none(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def intentions_for_export(user, data):
    unit_type = data.get("unit_type", "")
    return intention_list(
        user=user,
        project_id=_int_or_none(data.get("project")),
        unit_type=unit_type if unit_type in PurchaseIntention.UnitType.values else "",
    ).order_by("project_id", "unit_type", "id")


def _headers() -> list[str]:
    return [
        _("Project"),
        _("Unit type"),
        _("Name"),
        _("Mobile number"),
        _("Budget (×10k yuan)"),
        _("Club member"),
        _("Notes"),
        _("Registered through"),
        _("Registered at"),
    ]


def _rows(intentions) -> Iterator[list]:
    unit_types = {value: str(label) for value, label in PurchaseIntention.UnitType.choices}
    channels = {value: str(label) for value, label in EnrolmentChannel.choices}
    for chunk in chunked(intentions):
        for intention in chunk:
            yield [
                intention.project.name,
                unit_types.get(intention.unit_type, intention.unit_type),
                intention.name,
                mask_phone(intention.phone),
                intention.budget_10k,
                intention.member.number if intention.member_id else "",
                intention.notes,
                channels.get(intention.channel, intention.channel),
                local_time(intention.created_at),
            ]


INTENTION_EXPORTER = Exporter(
    title=lambda: _("Purchase intentions"),
    may_export=may_view_club,
    queryset=intentions_for_export,
    headers=_headers,
    rows=_rows,
)
