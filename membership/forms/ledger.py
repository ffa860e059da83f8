"""Forms of the ledger's pages: the benefits catalogue, a redemption, a points adjustment."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import VersionField, VersionRequiredMixin
from properties.models import CityCompany

from ..models import Benefit, Member


class BenefitFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any"))] + Benefit.Kind.choices)
    active = forms.ChoiceField(
        label=_("Offered"),
        required=False,
        choices=[("yes", _("Offered now")), ("no", _("Withdrawn")), ("", _("Any"))],
    )

    def selector_filters(self) -> dict:
        active = self.cleaned_data.get("active")
        return {"kind": self.cleaned_data.get("kind") or "", "active": {"yes": True, "no": False}.get(active)}


class BenefitForm(VersionRequiredMixin, forms.ModelForm):
    version = VersionField()

    class Meta:
        model = Benefit
        fields = [
            "title",
            "kind",
            "partner",
            "description",
            "city_company",
            "points_cost",
            "per_member_limit",
            "total_limit",
            "valid_from",
            "valid_until",
            "is_active",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.version_required = self.instance.pk is not None
        scope = user.scope
        cities = CityCompany.objects.all()
        if not scope.is_unrestricted:
            cities = cities.filter(pk__in=scope.city_company_ids)
            self.fields["city_company"].required = True
        self.fields["city_company"].queryset = cities
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class RedeemForm(forms.Form):
    """From the member page (member and benefit given) or the benefit page (the member number typed)."""

    benefit = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    member = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    member_number = forms.CharField(label=_("Member number"), max_length=20, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        members = Member.objects.visible_to(self.user)
        if data.get("member"):
            data["member_row"] = members.filter(pk=data["member"]).first()
        elif data.get("member_number"):
            data["member_row"] = members.filter(number=data["member_number"].strip()).first()
        else:
            raise forms.ValidationError(_("Give the member number."))
        if data["member_row"] is None:
            self.add_error("member_number", _("No member with this number in your scope."))
        if data.get("benefit"):
            data["benefit_row"] = Benefit.objects.visible_to(self.user).filter(pk=data["benefit"]).first()
            if data["benefit_row"] is None:
                self.add_error(None, _("No such benefit."))
        return data


class PointsAdjustForm(forms.Form):
    points = forms.IntegerField(
        label=_("Points"), help_text=_("Negative to take points off."), min_value=-100_000, max_value=100_000
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
    # One per form shown: a resubmitted form adjusts once.
    key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("An adjustment is a number of points other than zero."))
        return points
