"""The construction news pages' forms: a draft (new or edited), and the send button's version."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.forms import MultipleFileField
from core.forms import VersionField, VersionRequiredMixin
from customers.forms import style_widgets
from properties.models import Phase


class NewsForm(VersionRequiredMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    phase = forms.ModelChoiceField(
        label=_("Phase"),
        queryset=Phase.objects.none(),
        required=False,
        empty_label=_("Whole project"),
        help_text=_("Its buyers receive the news: the whole project's, or one phase's."),
    )
    progress_on = forms.DateField(label=_("Progress as of"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label=_("Text"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}))
    photos = MultipleFileField(
        label=_("Photos"), required=False, help_text=_("Photos of the site (JPEG or PNG); add more later.")
    )
    version = VersionField()

    def __init__(self, *args, project, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.version_required = editing
        self.fields["phase"].queryset = Phase.objects.filter(project=project).order_by("name")
        if not editing:
            self.fields["progress_on"].initial = timezone.localdate()
        self.fields["photos"].widget.attrs["accept"] = "image/jpeg,image/png"
        style_widgets(self)

    def news_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("title", "phase", "progress_on", "text")}


class NewsActionForm(VersionRequiredMixin, forms.Form):
    version = VersionField()
