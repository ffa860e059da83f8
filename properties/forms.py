"""What the staff lists' filter forms share about the estate: a city company and a project, offered
only within the user's scope (from the cached reference lists, no query), and a date range in order.

The dashboards drill into lists with `?city=<id>` or `?project=<id>`: an id outside the user's scope
is not a choice, so it is a form error (never another city's rows)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import projects_by_id, visible_city_companies, visible_projects

ANY = ("", "---------")


class PlaceFilterForm(forms.Form):
    city = forms.TypedChoiceField(label=_("City company"), required=False, coerce=int, empty_value=None)
    project = forms.TypedChoiceField(label=_("Project"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = [ANY, *visible_city_companies(user)]
        self.fields["project"].choices = [ANY, *visible_projects(user)]

    def clean(self):
        data = super().clean()
        project, city = data.get("project"), data.get("city")
        if project and city and projects_by_id().get(project, ("", None))[1] != city:
            self.add_error("project", _("This project is not in the chosen city company."))
        return data

    def check_range(self, first: str, last: str) -> None:
        """A from–until pair of dates in order (else an error on `last`)."""
        data = self.cleaned_data
        if data.get(first) and data.get(last) and data[first] > data[last]:
            self.add_error(last, _("The end of the period is before its start."))
