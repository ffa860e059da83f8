"""Anonymising customers (customers.anonymise) keeps every figure of the dashboards: the demo's estate,
complaints, handovers, surveys, club and touchpoints, read before and after for the group and a city."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role, User
from customers.anonymise import customer_anonymise
from customers.models import Customer
from dashboards.measures.base import Period, PeriodKind
from dashboards.measures.engine import dashboard_panels, scope_from_params
from properties.models import CityCompany

pytestmark = pytest.mark.django_db


def _figures(user, params: dict, period: Period) -> list:
    """Every panel's figures, breakdowns and side-by-side rows as plain values."""
    panels = dashboard_panels(user, scope_from_params(user, params), period, fresh=True)
    return [
        (panel.source.key, repr(panel.figures), repr(panel.breakdowns), repr(panel.rows)) for panel in panels
    ]


def test_anonymising_customers_changes_no_dashboard_figure():
    call_command("seed_demo", units=60, customers=80, complaints=60, verbosity=0, stdout=io.StringIO())
    admin = User.objects.filter(role=Role.GROUP_ADMIN, is_active=True).first()
    city = CityCompany.objects.order_by("pk").first()
    today = timezone.localdate()
    periods = [
        Period.containing(PeriodKind.YEAR, today),
        Period.containing(PeriodKind.MONTH, today),
        Period.containing(PeriodKind.YEAR, today - datetime.timedelta(days=365)),
    ]
    views = [({}, period) for period in periods] + [({"city": str(city.pk)}, periods[0])]
    before = [_figures(admin, params, period) for params, period in views]

    # Half of the demo's customers, with their complaints, handovers, surveys, club memberships, touchpoints.
    customers = list(Customer.objects.order_by("pk"))
    for customer in customers[: len(customers) // 2]:
        customer_anonymise(customer=customer, by=admin, reason="erasure request (test)")

    assert Customer.objects.filter(anonymised_at__isnull=False).count() == len(customers) // 2
    after = [_figures(admin, params, period) for params, period in views]
    for (params, period), figures_before, figures_after in zip(views, before, after, strict=True):
        assert figures_after == figures_before, (params, period)
