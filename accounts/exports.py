"""The personal-data access log as an Excel file (core.exports), with the page's filters. The log holds
no clear personal data: a customer is their number, the reason is the staff member's own words."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from core.exports import Exporter, chunked, local_time

from .access_log import access_log_for_params
from .models import LoggedAccess, RevealReason


def _headers() -> list[str]:
    return [
        _("Accessed at"),
        _("Staff member"),
        _("Username"),
        _("Customer number"),
        _("Field"),
        _("Purpose"),
        _("Reason"),
        _("Channel"),
        _("IP address"),
        _("Burst alert sent"),
    ]


def _rows(accesses) -> Iterator[list]:
    fields = {value: str(label) for value, label in LoggedAccess.choices}
    purposes = {value: str(label) for value, label in RevealReason.choices}
    for chunk in chunked(accesses):
        for access in chunk:
            yield [
                local_time(access.accessed_at),
                str(access.user),
                access.user.username,
                access.customer_id,
                fields.get(access.field, access.field),
                purposes.get(access.reason_code, ""),
                access.reason,
                access.channel,
                access.ip_address or "",
                _("Yes") if access.burst_alert_sent else "",
            ]


ACCESS_LOG_EXPORTER = Exporter(
    title=lambda: _("Personal data access log"),
    may_export=lambda user: user.may_read_access_log(),
    queryset=access_log_for_params,
    headers=_headers,
    rows=_rows,
)
