"""The owner's own cases (/public/mine/): an owner confirms their phone with a one-time code and sees the
complaints on the customer records with that phone, each with its promises and history.

- Asking for a code answers alike for any valid phone, known or not (the code is sent either way), and
  counts against the public form's code limits, the same counters (per IP, per phone): two pages do not
  double the allowance. Entering a code counts per IP address (PUBLIC_COMPLAINT_RATE, its own counter);
  a code dies after its own few wrong tries (complaints.services.public_code_check).
- The session holds the id of the spent code, never the phone, for PUBLIC_OWNER_SESSION_MINUTES from
  the sign-in, not extended by use (a phone left on a table stops showing the cases); its key is
  changed at sign-in. "Sign out" forgets it at once.
- A case of another phone answers 404, like a number that does not exist. No phone in any URL; the
  page shows it masked. Nothing is cached by the browser (never_cache).
"""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from core.masking import mask_phone
from core.paging import newest_first_page

from ..owner_view import confirmed_phone, owner_case, owner_complaints, pending_code_phone
from ..services import public_code_send, public_owner_confirm
from .public import BootstrapForm, CodeRequestForm, _code_ip_rate, _posted_phone, _rate_limited, _usage

OWNER_SESSION_KEY = "public_owner"  # {"code": spent code id, "until": POSIX seconds}
PENDING_CODE_KEY = "public_owner_code"  # id of the code sent, not entered yet
OWNER_PAGE_SIZE = 10  # a phone's screen


class OwnerPhoneForm(CodeRequestForm, BootstrapForm):
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class OwnerCodeForm(BootstrapForm):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=6,
        validators=[RegexValidator(r"^\d{6}$", _("The code is 6 digits."))],
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "maxlength": 6,
                "pattern": r"\d{6}",
            }
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


def owner_session_lifetime() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.PUBLIC_OWNER_SESSION_MINUTES)


def _signed_in_phone(request) -> tuple[str | None, bool]:
    """The phone this session confirmed, and whether a sign-in has just run out."""
    held = request.session.get(OWNER_SESSION_KEY)
    if not isinstance(held, dict):
        return None, False
    if not held.get("until", 0) > timezone.now().timestamp():
        # The code is forgotten; the mark stays, so that each page says why the cases are gone.
        request.session[OWNER_SESSION_KEY] = {"until": 0}
        return None, True
    return confirmed_phone(held.get("code")), False


def _sign_in_page(request, form=None, *, expired: bool = False, status: int = 200):
    context = {"form": form or OwnerPhoneForm(), "expired": expired}
    return render(request, "complaints/public/mine_sign_in.html", context, status=status)


@never_cache
@require_GET
def my_cases(request):
    phone, expired = _signed_in_phone(request)
    if phone is None:
        return _sign_in_page(request, expired=expired)
    page, pager = newest_first_page(request, owner_complaints(phone), size=OWNER_PAGE_SIZE)
    if page is None:  # a page link this server did not write: back to the first page
        return redirect("public:mine")
    now = timezone.now()
    cases = [owner_case(complaint, now=now, with_history=False) for complaint in page]
    return render(
        request, "complaints/public/mine_list.html", {"cases": cases, "phone": mask_phone(phone), **pager}
    )


@never_cache
@require_POST
@ratelimit(group="public-code-ip", key="ip", rate=_code_ip_rate, method="POST", block=False)
def my_cases_code(request):
    """Text a code to the phone typed, whoever it belongs to; then ask for it (POST, redirect, GET)."""
    if getattr(request, "limited", False):
        return _rate_limited(request)
    form = OwnerPhoneForm(request.POST)
    if not form.is_valid():
        return _sign_in_page(request, form, status=400)
    usage = _usage(
        request, "public-code-phone", settings.PUBLIC_CODE_PHONE_RATE, increment=True, key=_posted_phone
    )
    if usage and usage["should_limit"]:
        return _rate_limited(request)
    record = public_code_send(
        phone=form.cleaned_data["phone"], ip_address=request.META.get("REMOTE_ADDR") or None
    )
    request.session[PENDING_CODE_KEY] = record.pk
    return redirect("public:mine_confirm")


@never_cache
@require_http_methods(["GET", "POST"])
def my_cases_confirm(request):
    phone = pending_code_phone(request.session.get(PENDING_CODE_KEY))
    if phone is None:
        return redirect("public:mine")
    status = 200
    if request.method == "POST":
        usage = _usage(request, "public-owner-confirm", settings.PUBLIC_COMPLAINT_RATE, increment=True)
        if usage and usage["should_limit"]:
            return _rate_limited(request)
        form = OwnerCodeForm(request.POST)
        if form.is_valid():
            try:
                record = public_owner_confirm(phone=phone, code=form.cleaned_data["code"])
            except ValidationError as error:
                form.add_error("code", error.message_dict.get("code", error.messages))
            else:
                request.session.cycle_key()  # the key an onlooker may have seen before does not sign in
                request.session.pop(PENDING_CODE_KEY, None)
                until = timezone.now() + owner_session_lifetime()
                request.session[OWNER_SESSION_KEY] = {"code": record.pk, "until": until.timestamp()}
                return redirect("public:mine")
        status = 400
    else:
        form = OwnerCodeForm()
    context = {"form": form, "phone": mask_phone(phone), "minutes": settings.PUBLIC_OWNER_SESSION_MINUTES}
    return render(request, "complaints/public/mine_confirm.html", context, status=status)


@require_POST
def my_cases_sign_out(request):
    request.session.pop(OWNER_SESSION_KEY, None)
    request.session.pop(PENDING_CODE_KEY, None)
    return redirect("public:mine")


@never_cache
@require_GET
def my_case(request, number: str):
    phone, _expired = _signed_in_phone(request)
    if phone is None:
        return redirect("public:mine")
    complaint = owner_complaints(phone).filter(number=number).first()
    if complaint is None:
        raise Http404
    case = owner_case(complaint, now=timezone.now())
    return render(request, "complaints/public/mine_case.html", {"case": case, "phone": mask_phone(phone)})
