"""The personal-data access log as a list (PIPL): its filters and its rows, for the auditor's page,
its Excel export and the admin. Who may read the whole log: `User.may_read_access_log`."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.api import MAX_ID

from .models import LoggedAccess, PersonalDataAccess, User


class AccessLogFilterForm(forms.Form):
    """Who (a username), whose record (a customer number), which field, and a date range (local days)."""

    user = forms.CharField(label=gettext_lazy("Staff member (username)"), max_length=150, required=False)
    customer = forms.IntegerField(
        label=gettext_lazy("Customer number"), min_value=1, max_value=MAX_ID, required=False
    )
    field = forms.ChoiceField(
        label=gettext_lazy("Field"),
        choices=[("", gettext_lazy("Any")), *LoggedAccess.choices],
        required=False,
    )
    date_from = forms.DateField(label=gettext_lazy("From"), required=False)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select form-select-sm" if name == "field" else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)
            if isinstance(field, forms.DateField):
                field.widget.input_type = "date"

    def clean_user(self) -> str:
        return (self.cleaned_data.get("user") or "").strip()

    def clean(self):
        data = super().clean()
        since, until = data.get("date_from"), data.get("date_to")
        if since and until and since > until:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def access_log(*, user: User, filters: dict | None = None) -> QuerySet:
    """The log rows the filters select (cleaned data of AccessLogFilterForm), newest first, with the
    staff member. Only for those who may read the whole log: anyone else is refused."""
    if not user.may_read_access_log():
        raise PermissionDenied(_("Your role may not read the personal data access log."))
    rows = PersonalDataAccess.objects.select_related("user")
    filters = filters or {}
    if filters.get("user"):
        rows = rows.filter(user__username=filters["user"])
    if filters.get("customer"):
        rows = rows.filter(customer_id=filters["customer"])
    if filters.get("field"):
        rows = rows.filter(field=filters["field"])
    if filters.get("date_from"):
        rows = rows.filter(accessed_at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        rows = rows.filter(accessed_at__lt=_day_start(filters["date_to"] + datetime.timedelta(days=1)))
    return rows.order_by("-accessed_at", "-id")


def access_log_for_params(user: User, data) -> QuerySet:
    """The rows of a page's query string (an invalid filter selects nothing rather than everything)."""
    form = AccessLogFilterForm(data or None)
    if data and not form.is_valid():
        return access_log(user=user).none()
    return access_log(user=user, filters=form.cleaned_data if data else None)
