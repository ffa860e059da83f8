"""The staff's own account forms: the two-factor code, a new API token, their password."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .api_tokens import lifetime_choices


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        validators=[RegexValidator(r"^[0-9]{6,8}$", _("The code is the 6 digits the app shows."))],
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "maxlength": 8,
                "pattern": "[0-9]{6,8}",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What will use it, e.g. “BI nightly export”."),
    )
    days = forms.TypedChoiceField(label=_("Valid for"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = lifetime_choices()
        self.fields["days"].choices = choices
        self.fields["days"].initial = next((d for d, _label in choices if d == 90), choices[-1][0])
        _bootstrap(self)


class StaffPasswordChangeForm(PasswordChangeForm):
    """Django's form (old password, new twice, AUTH_PASSWORD_VALIDATORS on the new one), styled."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)
