"""What every app's forms share: the version an edit form carries."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

VERSION_MISSING = _(
    "This form does not say which version of the record it changes, so saving it could overwrite "
    "someone else's changes unseen. Reload the page and try again."
)


class VersionField(forms.IntegerField):
    """The version of the row an edit form changes, as the page showed it (a hidden input)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)  # VersionRequiredMixin says why when it is missing
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)


class VersionRequiredMixin:
    """An edit form whose post must carry `version`, as the API answers 428 without one: a post that
    leaves it out (a hand-made form, a script, a page from before the field) would otherwise be
    last-writer-wins. The refusal is a form error on top, where the page shows it (a hidden field's
    own errors are not shown). Set `version_required = False` on a form that creates a row."""

    version_required = True

    def clean(self):
        data = super().clean()
        if self.version_required and (data.get("version") is None or "version" in self.errors):
            self.errors.pop("version", None)
            # Added, not raised: the form's own clean() (after super().clean()) still runs.
            self.add_error(None, forms.ValidationError(VERSION_MISSING, code="version_missing"))
        return data
