"""Who may not be sent a survey: an opt-out (SurveyOptOut: the link in an invitation, or an agent) or a
withdrawn survey consent at the customer's level (customers.consents). Every sender and the answer
page read both, through here."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When

from customers.consents import customers_refusing
from customers.models import ConsentPurpose, Customer, CustomerConsent

from .models import SurveyOptOut


def customers_refusing_surveys(customer_ids: Iterable[int]) -> set[int]:
    """Of these customers, those who opted out or withdrew their survey consent. Two queries."""
    ids = {int(pk) for pk in customer_ids if pk is not None}
    if not ids:
        return set()
    opted_out = set(SurveyOptOut.objects.filter(customer_id__in=ids).values_list("customer_id", flat=True))
    return opted_out | customers_refusing(ids, ConsentPurpose.SURVEYS)


def refuses_surveys(customer_id: int) -> bool:
    """Whether this customer opted out or withdrew their survey consent: one query."""
    refusing = annotate_refusing_surveys(Customer.objects.filter(pk=customer_id)).values_list(
        "is_opted_out", flat=True
    )
    return bool(refusing.first())


def annotate_refusing_surveys(customers: QuerySet, name: str = "is_opted_out") -> QuerySet:
    """Customers annotated with `name`: True when they opted out or withdrew their survey consent."""
    return customers.annotate(
        _survey_consent=CustomerConsent.objects.latest_granted(ConsentPurpose.SURVEYS)
    ).annotate(
        **{
            name: Case(
                When(
                    Exists(SurveyOptOut.objects.filter(customer_id=OuterRef("pk")))
                    | Q(_survey_consent=False),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            )
        }
    )
