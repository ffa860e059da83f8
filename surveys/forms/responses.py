"""The filters of the list of survey responses: when completed, where, which segment and campaign, and
the score class a dashboard figure counts (the dashboards drill here with ?answered=…, &top2=1|0,
&l3=1|0, &nps=promoter|passive|detractor)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.forms import style_widgets
from properties.forms import PlaceFilterForm

from ..models import Campaign, Segment
from ..selectors.responses import ResponseFilters

BLANK = ("", "---------")


def _yes_no(label, yes, no) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[BLANK, ("1", yes), ("0", no)],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )


class ResponseFilterForm(PlaceFilterForm):
    completed_from = forms.DateField(
        label=_("Completed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    completed_to = forms.DateField(
        label=_("Completed until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    segment = forms.ChoiceField(label=_("Segment"), choices=[BLANK, *Segment.choices], required=False)
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none(), required=False)
    answered = forms.ChoiceField(
        label=_("Answered"),
        choices=[
            BLANK,
            ("overall", _("The overall satisfaction")),
            ("three", _("All three L3 questions")),
            ("recommend", _("The recommend question")),
        ],
        required=False,
    )
    top2 = _yes_no(_("Satisfied (top-2-box)"), _("Satisfied (4–5)"), _("Not satisfied (1–3)"))
    l3 = _yes_no(_("L3 loyal"), _("Loyal (5, 5, 9–10)"), _("Not loyal"))
    nps = forms.ChoiceField(
        label=_("Recommend"),
        choices=[
            BLANK,
            ("promoter", _("Promoters (9–10)")),
            ("passive", _("Passives (7–8)")),
            ("detractor", _("Detractors (0–6)")),
        ],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user).only("id", "name")
        style_widgets(self)

    def clean(self):
        data = super().clean()
        self.check_range("completed_from", "completed_to")
        return data

    def filters(self) -> ResponseFilters:
        """The valid filters (call after is_valid())."""
        data = self.cleaned_data
        return ResponseFilters(
            completed_from=data.get("completed_from"),
            completed_to=data.get("completed_to"),
            city_id=data.get("city"),
            project_id=data.get("project"),
            segment=data.get("segment") or "",
            campaign_id=data["campaign"].pk if data.get("campaign") else None,
            answered=data.get("answered") or "",
            top2=data.get("top2"),
            l3=data.get("l3"),
            nps=data.get("nps") or "",
        )
