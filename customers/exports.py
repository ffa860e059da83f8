"""The customer list as an Excel export (core.exports), with the list's filters. Phones and ID numbers
are masked in the file whatever the role (see core.exports)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import Exporter, chunked, local_time
from core.masking import mask_phone
from properties import selectors as property_selectors

from . import selectors
from .forms import CustomerListFilterForm
from .models import AcquisitionChannel, HouseholdMember, HouseholdRole, Stage


def customers_for_export(user, data):
    form = CustomerListFilterForm(data or None, user=user)
    filters = form.selector_filters() if form.is_valid() else {}
    return (
        selectors.customer_list(user=user, filters=filters)
        .annotate(primary_phone_number=selectors.primary_phone_number())
        .prefetch_related(
            Prefetch("households", queryset=HouseholdMember.objects.select_related("unit", "unit__project"))
        )
        .order_by("-id")
    )


def _headers() -> list[str]:
    return [
        _("Name"),
        _("Phone"),
        _("ID number"),
        _("City company"),
        _("Stage"),
        _("Acquisition channel"),
        _("Units"),
        _("Created"),
    ]


def _rows(customers) -> Iterator[list]:
    cities = property_selectors.city_companies_by_id()
    stages = dict(Stage.choices)
    channels = dict(AcquisitionChannel.choices)
    roles = dict(HouseholdRole.choices)
    today = timezone.localdate()
    for chunk in chunked(customers):
        for customer in chunk:
            units = "; ".join(
                f"{member.unit.project.name} {member.unit.code} ({roles.get(member.role, member.role)})"
                for member in customer.households.all()
            )
            yield [
                customer.name,
                mask_phone(customer.primary_phone_number or ""),
                customer.id_number_masked,
                cities.get(customer.city_company_id, ""),
                str(stages.get(customer.stage(today), "")),
                str(channels.get(customer.acquisition_channel, customer.acquisition_channel or "")),
                units,
                local_time(customer.created_at),
            ]


CUSTOMER_EXPORTER = Exporter(
    title=lambda: _("Customers"),
    may_export=lambda user: user.may_see_customers(),
    queryset=customers_for_export,
    headers=_headers,
    rows=_rows,
)
