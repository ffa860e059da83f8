"""The forms of the 360 page's privacy section: a consent answer, a data-subject export, an anonymisation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import RevealReason

from .forms import StyledForm
from .models import ConsentPurpose


class ConsentForm(StyledForm):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("1", _("Grants")), ("0", _("Withdraws"))],
        coerce=lambda value: value == "1",
    )


class SubjectExportForm(StyledForm):
    """Like a reveal: a purpose from the list and a written detail (accounts.services checks both)."""

    reason_code = forms.ChoiceField(
        label=_("Purpose"), choices=[("", _("Purpose…")), *RevealReason.choices], required=False
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("Details, e.g. the owner's written request of 3 May")}
        ),
    )


class AnonymiseForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. the owner's erasure request of 3 May")}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that the personal data cannot be restored."), required=True
    )
