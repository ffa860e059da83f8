"""The member list as an Excel export (core.exports), with the list's filters. Phones and ID numbers
are masked in the file whatever the role: a workbook leaves the desk, and the reveal log cannot
follow it (core.exports)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from core.exports import Exporter, chunked, local_time
from core.masking import mask_id_number, mask_phone
from properties import selectors as property_selectors

from .forms.members import MemberListFilterForm
from .models import EnrolmentChannel, Member, Tier
from .permissions import may_view_club
from .selectors.members import member_list
from .services.enrolment import interests_labels


def members_for_export(user, data):
    form = MemberListFilterForm(data or None, user=user)
    return member_list(user=user, filters=form.filters())


def _headers() -> list[str]:
    return [
        _("Member no."),
        _("Name"),
        _("Phone"),
        _("ID number"),
        _("City company"),
        _("Project"),
        _("Tier"),
        _("Points"),
        _("Customer link"),
        _("Value class"),
        _("Interests"),
        _("Enrolled through"),
        _("Enrolled at"),
    ]


def _rows(members) -> Iterator[list]:
    cities = property_selectors.city_companies_by_id()
    projects = property_selectors.projects_by_id()
    tiers = dict(Tier.choices)
    links = dict(Member.LinkStatus.choices)
    channels = dict(EnrolmentChannel.choices)
    for chunk in chunked(members):
        for member in chunk:
            value = getattr(member.customer, "value", None) if member.customer_id else None
            yield [
                member.number,
                member.name,
                mask_phone(member.phone),
                mask_id_number(member.id_number or ""),
                cities.get(member.city_company_id, ""),
                projects.get(member.project_id, ("",))[0],
                str(tiers.get(member.tier, member.tier)),
                member.points_balance,
                str(links.get(member.link_status, member.link_status)),
                value.value_class if value else "",
                "; ".join(interests_labels(member.interests)),
                str(channels.get(member.channel, member.channel)),
                local_time(member.enrolled_at),
            ]


MEMBER_EXPORTER = Exporter(
    title=lambda: _("Club members"),
    may_export=may_view_club,
    queryset=members_for_export,
    headers=_headers,
    rows=_rows,
)
