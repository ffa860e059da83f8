"""Work orders: accepting and reporting progress."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ._common import VersionedForm


class WorkOrderAcceptForm(VersionedForm):
    pass


class WorkOrderNoteForm(VersionedForm):
    note = forms.CharField(label=_("Progress note"), widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.FileField(label=_("Photo"), required=False)


def local_now_input() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")
