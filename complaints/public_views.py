"""The public complaint pages (投诉万科-style): owners file and track a complaint without an account.

Nothing here shows staff names or internal notes. Both pages are rate-limited per IP address
(django-ratelimit); tracking answers a wrong number/phone pair and an unknown number alike,
so the page cannot be used to learn which complaint numbers exist.
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage

from customers.validators import normalize_mobile, validate_mobile
from properties.models import Project

from .models import Category, Complaint, ComplaintEvent, ComplaintType
from .services import public_complaint_submit

MAX_PHOTOS = 3
SESSION_KEY = "public_complaint_number"
# What the owner may see of the timeline, in the owner's words; every other event stays internal.
PUBLIC_EVENTS = {
    ComplaintEvent.Kind.CREATED: _("We received your complaint"),
    ComplaintEvent.Kind.DISPATCHED: _("Passed to the responsible department"),
    ComplaintEvent.Kind.RESPONDED: _("We contacted you"),
    ComplaintEvent.Kind.PLAN_AGREED: _("A solution was agreed with you"),
    ComplaintEvent.Kind.RESOLVED: _("The problem was resolved"),
    ComplaintEvent.Kind.CLOSED: _("Closed"),
}


# --- forms ---------------------------------------------------------------------------------------


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Up to MAX_PHOTOS files; what each one is, public_complaint_submit finds out from its content."""

    widget = MultiplePhotoInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/*", "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("Up to %(count)d photos.") % {"count": MAX_PHOTOS})
        for photo in files:
            super().clean(photo, initial)
        return files


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, project: Project) -> str:
        # Several cities have a 四季花城: the city tells them apart.
        return f"{project.name}（{project.city_company.city}）"


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category: Category) -> str:
        return str(category)


class BootstrapForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"


class PublicComplaintForm(BootstrapForm):
    name = forms.CharField(label=_("Your name"), max_length=50)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    project = ProjectChoiceField(
        label=_("Project (楼盘)"),
        queryset=Project.objects.select_related("city_company").order_by("name", "city_company__city"),
        empty_label=_("Choose your project"),
    )
    unit_text = forms.CharField(
        label=_("Building / unit (optional)"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 3-1-502")}),
    )
    complaint_type = forms.ChoiceField(
        label=_("Type"), choices=ComplaintType.choices, initial=ComplaintType.COMPLAINT
    )
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True, parent__isnull=False)
        .select_related("parent")
        .order_by("parent__sort_order", "sort_order", "name"),
        empty_label=_("Choose a category"),
    )
    description = forms.CharField(
        label=_("What happened?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    photos = MultiplePhotoField(label=_("Photos (up to 3)"), required=False)

    def clean_phone(self) -> str:
        number = normalize_mobile(self.cleaned_data["phone"])
        validate_mobile(number)
        return number

    def clean_description(self) -> str:
        description = self.cleaned_data["description"].strip()
        if not description:
            raise ValidationError(_("Describe the problem."))
        return description


class TrackForm(BootstrapForm):
    number = forms.CharField(
        label=_("Complaint number"), max_length=30, widget=forms.TextInput(attrs={"placeholder": "TS-…"})
    )
    phone_tail = forms.CharField(
        label=_("Last 4 digits of your mobile phone"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip().upper()

    def clean_phone_tail(self) -> str:
        tail = self.cleaned_data["phone_tail"].strip()
        if not re.fullmatch(r"\d{4}", tail):
            raise ValidationError(_("Four digits."))
        return tail


# --- rate limits ---------------------------------------------------------------------------------


def _usage(request, group: str, rate: str, *, increment: bool) -> dict:
    return get_usage(request, group=group, key="ip", rate=rate, method="POST", increment=increment)


def _rate_limited(request):
    return render(request, "complaints/public/rate_limited.html", status=429)


# --- views ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def complaint_submit(request):
    rate = settings.PUBLIC_COMPLAINT_RATE
    if request.method == "POST":
        # Only filed complaints use up the allowance: a typo in the phone number costs nothing.
        usage = _usage(request, "public-complaint", rate, increment=False)
        if usage and usage["count"] >= usage["limit"]:
            return _rate_limited(request)
        form = PublicComplaintForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = public_complaint_submit(
                    name=data["name"],
                    phone=data["phone"],
                    project=data["project"],
                    category=data["category"],
                    complaint_type=data["complaint_type"],
                    description=data["description"],
                    unit_text=data["unit_text"],
                    photos=data["photos"],
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                _usage(request, "public-complaint", rate, increment=True)
                request.session[SESSION_KEY] = complaint.number
                return redirect("public:submitted")
    else:
        form = PublicComplaintForm()
    return render(request, "complaints/public/submit.html", {"form": form})


def complaint_submitted(request):
    number = request.session.get(SESSION_KEY)
    if not number:
        return redirect("public:submit")
    track_url = f"{reverse('public:track')}?number={number}"
    return render(request, "complaints/public/submitted.html", {"number": number, "track_url": track_url})


@require_http_methods(["GET", "POST"])
def complaint_track(request):
    context = {}
    if request.method == "POST":
        usage = _usage(request, "public-track", settings.PUBLIC_TRACK_RATE, increment=True)
        if usage and usage["should_limit"]:
            return _rate_limited(request)
        form = TrackForm(request.POST)
        if form.is_valid():
            complaint = (
                Complaint.objects.filter(
                    number=form.cleaned_data["number"],
                    customer__phones__last4=form.cleaned_data["phone_tail"],
                )
                .only("id", "number", "status", "received_at", "first_responded_at", "first_response_due_at")
                .first()
            )
            if complaint is None:
                context["not_found"] = True
            else:
                context.update(complaint=complaint, timeline=_public_timeline(complaint))
    else:
        form = TrackForm(initial={"number": request.GET.get("number", "")[:30]})
    context["form"] = form
    return render(request, "complaints/public/track.html", context)


def _public_timeline(complaint: Complaint) -> list[dict]:
    events = (
        complaint.events.filter(kind__in=PUBLIC_EVENTS)
        .only("kind", "created_at")
        .order_by("created_at", "id")
    )
    return [{"label": PUBLIC_EVENTS[event.kind], "at": event.created_at} for event in events]
