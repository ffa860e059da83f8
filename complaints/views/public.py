"""The public complaint pages (投诉万科-style): owners file and track a complaint without an account.

Nothing here shows staff names or internal notes: what an owner sees of a complaint (its promises and
its history in plain words) is complaints.owner_view's; the owner's own list is views.owner. Every POST
counts against its page's limit per IP address (django-ratelimit), failed ones included, before the
form is read; the one-time codes are limited per phone too. A complaint goes on the phone's customer
record only with the code texted to that phone (complaints.services.public_complaint_submit).
Tracking answers a wrong number/phone pair and an unknown number alike, so the page cannot be used to
learn which complaint numbers exist.
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import get_usage
from django_ratelimit.decorators import ratelimit

from core.masking import mask_phone
from core.validators import validate_single_line_text
from customers.validators import normalize_mobile, validate_mobile
from properties.models import Project

from ..models import Category, Complaint, ComplaintType
from ..owner_view import CASE_FIELDS, owner_case
from ..services import public_code_send, public_complaint_submit

MAX_PHOTOS = 3
SESSION_KEY = "public_complaint_number"


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
    name = forms.CharField(label=_("Your name"), max_length=50, validators=[validate_single_line_text])
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label=_("Code from the text message (optional)"),
        required=False,
        validators=[RegexValidator(r"^\d{6}$", _("The code is 6 digits."))],
        help_text=_(
            "Already an owner with us? Ask for a code and enter it: your complaint then goes straight "
            "to your owner record. Without it we record the name and phone you give and check them."
        ),
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "maxlength": 6,
                "pattern": r"\d{6}",
            }
        ),
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

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()

    def clean_description(self) -> str:
        description = self.cleaned_data["description"].strip()
        if not description:
            raise ValidationError(_("Describe the problem."))
        return description


class CodeRequestForm(forms.Form):
    phone = forms.CharField(max_length=20)

    def clean_phone(self) -> str:
        number = normalize_mobile(self.cleaned_data["phone"])
        validate_mobile(number)
        return number


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


def _usage(request, group: str, rate: str, *, increment: bool, key="ip") -> dict:
    return get_usage(request, group=group, key=key, rate=rate, method="POST", increment=increment)


def _rate_limited(request):
    return render(request, "complaints/public/rate_limited.html", status=429)


def _complaint_rate(group, request) -> str:
    return settings.PUBLIC_COMPLAINT_RATE  # read per request, so that a changed setting applies


def _code_ip_rate(group, request) -> str:
    return settings.PUBLIC_CODE_IP_RATE


def _posted_phone(group, request) -> str:
    return normalize_mobile(request.POST.get("phone", ""))[:20]


# --- views ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@ratelimit(group="public-complaint", key="ip", rate=_complaint_rate, method="POST", block=False)
def complaint_submit(request):
    # Every POST is counted before its form is read (the decorator): a failed one as much as a
    # filed one, else a loop of broken submissions (or wrong codes) would cost nothing.
    if getattr(request, "limited", False):
        return _rate_limited(request)
    if request.method == "POST":
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
                    code=data["code"],
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                request.session[SESSION_KEY] = complaint.number
                return redirect("public:submitted")
    else:
        form = PublicComplaintForm()
    return render(request, "complaints/public/submit.html", {"form": form})


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
@ratelimit(group="public-code-ip", key="ip", rate=_code_ip_rate, method="POST", block=False)
def code_request(request):
    """Text a one-time code to the phone typed on the form. The page's script posts the phone alone
    and shows the answer (JSON); without script the "send code" button posts the whole form here and
    the form comes back filled in (photos must be chosen again). Limited per IP and per phone."""
    limited = getattr(request, "limited", False)
    form = CodeRequestForm(request.POST)
    message, status = "", 200
    if not limited and form.is_valid():
        phone = form.cleaned_data["phone"]
        usage = _usage(
            request, "public-code-phone", settings.PUBLIC_CODE_PHONE_RATE, increment=True, key=_posted_phone
        )
        limited = bool(usage and usage["should_limit"])
        if not limited:
            public_code_send(phone=phone, ip_address=request.META.get("REMOTE_ADDR") or None)
            message = _("We sent a code to %(phone)s. It is valid for 10 minutes.") % {
                "phone": mask_phone(phone)
            }
    if limited:
        message, status = _("Too many codes asked for: please try again in an hour."), 429
    elif not message:
        message, status = " ".join(form.errors.get("phone", [])), 400
    if _wants_json(request):
        return JsonResponse({"message": message, "sent": status == 200}, status=status)
    if status == 429 and not request.POST.get("name"):
        return _rate_limited(request)
    initial = {key: request.POST.get(key, "") for key in PublicComplaintForm.base_fields if key != "photos"}
    return render(
        request,
        "complaints/public/submit.html",
        {"form": PublicComplaintForm(initial=initial), "code_message": message, "code_sent": status == 200},
        status=status,
    )


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
            tail = form.cleaned_data["phone_tail"]
            complaint = (
                Complaint.objects.filter(number=form.cleaned_data["number"])
                .filter(Q(reporter_phone__endswith=tail) | Q(customer__phones__last4=tail))
                .only(*CASE_FIELDS)
                .first()
            )
            if complaint is None:
                context["not_found"] = True
            else:
                case = owner_case(complaint, now=timezone.now())
                context.update(complaint=complaint, case=case, timeline=case.steps)
    else:
        form = TrackForm(initial={"number": request.GET.get("number", "")[:30]})
    context["form"] = form
    return render(request, "complaints/public/track.html", context)
