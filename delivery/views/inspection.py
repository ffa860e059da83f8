"""Pages of the inspection and the sign-off: the handover (unit) page, the tablet checklist, and
the sign-off with the owner's drawn signature. Thin: reads through delivery.selectors.inspection,
writes through delivery.services.inspection and delivery.services.defects.

The tablet's JavaScript (static/delivery/inspection.js) posts each tap and each defect to the JSON
endpoints below and keeps what it could not send in a queue; the endpoints answer JSON with field
errors (400) and are idempotent, so a retry never duplicates. Without JavaScript the same endpoints
take plain form posts and redirect back to the page.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.forms import add_service_errors
from customers.services import ConcurrentEditError

from ..forms.inspection import CheckForm, InspectionDefectForm, InspectionStartForm, SignOffForm
from ..models import Defect, DefectSeverity, Handover, Inspection, InspectionCheck, RoomType
from ..selectors import inspection as selectors
from ..services import inspection as services
from ..services.defects import defect_record


def _handover_or_404(user, pk: int) -> Handover:
    try:
        return selectors.handover_detail(user=user, pk=pk)
    except Handover.DoesNotExist:
        raise Http404(_("No such unit handover.")) from None


def _require_reader(user) -> None:
    if not services.may_read_handovers(user):
        raise PermissionDenied(_("Your role may not see unit handovers."))


def _require_inspector(user) -> None:
    if not services.may_inspect(user):
        raise PermissionDenied(_("Your role may not do this."))


def _default_kind(handover: Handover) -> str:
    kinds = services.inspection_kinds(handover)
    if len(kinds) == 1:
        return kinds.pop()
    if any(i.kind == Inspection.Kind.PRE_INSPECTION for i in handover.inspections.all()):
        return Inspection.Kind.HANDOVER
    return Inspection.Kind.PRE_INSPECTION


# --- the handover page --------------------------------------------------------------------------


def _render_handover(request, handover: Handover, start_form=None, status: int = 200):
    user = request.user
    may_inspect = services.may_inspect(user)
    if start_form is None and may_inspect:
        start_form = InspectionStartForm(initial={"kind": _default_kind(handover)}, auto_id="start-%s")
    return render(
        request,
        "delivery/inspection/handover_detail.html",
        {
            "handover": handover,
            "may_inspect": may_inspect,
            "may_sign": may_inspect
            and services.sign_off_refusal(
                handover, inspection_running=handover.running_inspection is not None
            )
            is None,
            "start_form": start_form,
            "documents": _document_labels(handover.documents_handed),
        },
        status=status,
    )


def _document_labels(codes) -> list[str]:
    labels = dict(services.HandoverDocument.choices)
    return [str(labels.get(code, code)) for code in codes or ()]


@login_required
@require_GET
def handover_detail(request, pk: int):
    _require_reader(request.user)
    handover = _handover_or_404(request.user, pk)
    return _render_handover(request, handover)


@login_required
@require_POST
def inspection_start(request, pk: int):
    user = request.user
    _require_inspector(user)
    handover = _handover_or_404(user, pk)
    form = InspectionStartForm(request.POST, auto_id="start-%s")
    if form.is_valid():
        running = handover.running_inspection
        try:
            inspection = services.inspection_start(
                by=user,
                handover=handover,
                kind=form.cleaned_data["kind"],
                template=form.cleaned_data["template"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if running is not None:
                messages.info(
                    request, _("An inspection of this unit is already in progress: carry on with it.")
                )
            return redirect("delivery:inspection", pk=inspection.pk)
    messages.error(request, _("The inspection was not started; see the form."))
    return _render_handover(request, handover, start_form=form, status=400)


# --- the tablet page ----------------------------------------------------------------------------


def _inspection_or_404(user, pk: int) -> Inspection:
    try:
        return (
            selectors.inspections_visible_to(user)
            .select_related("handover", "handover__unit", "template")
            .get(pk=pk)
        )
    except Inspection.DoesNotExist:
        raise Http404(_("No such inspection.")) from None


# The tablet script's words, translated on the server (no JavaScript catalogue needed).
TABLET_TEXT = {
    "allSaved": gettext_lazy("All saved"),
    "waiting": gettext_lazy("%(count)s waiting to upload"),
    "failed": gettext_lazy("%(count)s refused by the server: see the red entries"),
    "sending": gettext_lazy("Sending…"),
    "offline": gettext_lazy("Offline: entries are kept on this tablet and sent when the connection is back."),
    "signedOut": gettext_lazy(
        "The server did not take the upload (signed out?). Log in again in another tab; entries are kept."
    ),
    "storageFull": gettext_lazy(
        "This tablet's storage is full: photos waiting to upload are kept only while this page stays open."
    ),
    "waitingBadge": gettext_lazy("waiting to upload"),
    "failedBadge": gettext_lazy("not saved"),
    "discard": gettext_lazy("Discard"),
    "confirmDiscard": gettext_lazy("Discard this entry? It was not saved."),
    "photoTooLarge": gettext_lazy("%(name)s is too large to keep on the tablet; take it again."),
    "tooManyPhotos": gettext_lazy("At most 10 photos per defect."),
    "required": gettext_lazy("Fill in the room, trade, severity and description."),
    "unanswered": gettext_lazy("%(count)s lines still have no answer."),
    "refused": gettext_lazy("Refused by the server (%(status)s)."),
}


def _render_tablet(request, pk: int, complete_errors=(), status: int = 200):
    user = request.user
    try:
        page = selectors.tablet_page(user=user, pk=pk)
    except Inspection.DoesNotExist:
        raise Http404(_("No such inspection.")) from None
    _require_reader(user)
    inspection = page.inspection
    may_edit = services.may_inspect(user) and services.inspection_editable(inspection)
    return render(
        request,
        "delivery/inspection/inspection.html",
        {
            "page": page,
            "inspection": inspection,
            "handover": inspection.handover,
            "may_edit": may_edit,
            "results": InspectionCheck.Result,
            "defect_form": InspectionDefectForm(inspection=inspection, auto_id="defect-%s")
            if may_edit
            else None,
            "complete_errors": complete_errors,
            "labels": {"severity": dict(DefectSeverity.choices), "room": dict(RoomType.choices)},
            "js_text": TABLET_TEXT,
        },
        status=status,
    )


@login_required
@require_GET
def inspection_page(request, pk: int):
    return _render_tablet(request, pk)


def _wants_json(request) -> bool:
    return (
        "application/json" in request.headers.get("Accept", "") or request.content_type == "application/json"
    )


def _field_errors(form) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if name == "__all__" else name): [str(message) for message in messages_]
        for name, messages_ in form.errors.items()
    }


def _json_payload(request):
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return None
        return payload if isinstance(payload, dict) else None
    return request.POST


def _json_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"errors": {"non_field_errors": [message]}}, status=status)


def _done_or_back(request, inspection: Inspection, ok: bool, form=None, message: str = ""):
    """The answer to a plain form post (no JavaScript): back to the tablet page with a message."""
    if ok:
        messages.success(request, message)
    else:
        errors = "; ".join(" ".join(v) for v in _field_errors(form).values())
        messages.error(request, _("Not saved: %(errors)s") % {"errors": errors})
    return redirect("delivery:inspection", pk=inspection.pk)


@login_required
@require_POST
def inspection_check(request, pk: int):
    """One tap: {"item": <id>, "result": "pass" | "fail" | "na"}. An upsert: retries are harmless."""
    user = request.user
    inspection = _inspection_or_404(user, pk)
    as_json = _wants_json(request)
    if not services.may_inspect(user):
        if as_json:
            return _json_error(403, _("Your role may not do this."))
        raise PermissionDenied(_("Your role may not do this."))
    payload = _json_payload(request)
    if payload is None:
        return _json_error(400, _("Send a JSON object."))
    form = CheckForm(payload, inspection=inspection)
    if form.is_valid():
        try:
            check = services.check_record(
                by=user,
                inspection=inspection,
                item=form.cleaned_data["item"],
                result=form.cleaned_data["result"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if as_json:
                return JsonResponse({"item": check.item_id, "result": check.result})
            return _done_or_back(request, inspection, True, message=_("Saved."))
    if as_json:
        return JsonResponse({"errors": _field_errors(form)}, status=400)
    return _done_or_back(request, inspection, False, form)


def _defect_json(defect: Defect) -> dict:
    return {
        "id": defect.pk,
        "number": defect.number,
        "client_uuid": str(defect.client_uuid) if defect.client_uuid else None,
        "checklist_item": defect.checklist_item_id,
        "room": defect.room,
        "location": defect.location,
        "trade": defect.trade,
        "severity": defect.severity,
        "severity_label": str(defect.get_severity_display()),
        "status": defect.status,
        "status_label": str(defect.get_status_display()),
        "description": defect.description,
        "blocking": defect.is_blocking,
    }


@login_required
@require_POST
def inspection_defect(request, pk: int):
    """A defect found on the walk (multipart, with photos). The tablet's client_uuid makes a retry
    return the defect already made (200) instead of a second one (201)."""
    user = request.user
    inspection = _inspection_or_404(user, pk)
    as_json = _wants_json(request)
    if not services.may_inspect(user):
        if as_json:
            return _json_error(403, _("Your role may not do this."))
        raise PermissionDenied(_("Your role may not do this."))
    form = InspectionDefectForm(request.POST, request.FILES, inspection=inspection)
    if form.is_valid():
        fields = form.service_fields()
        replay = (
            fields["client_uuid"] is not None
            and Defect.objects.filter(
                client_uuid=fields["client_uuid"], unit_id=inspection.handover.unit_id
            ).exists()
        )
        try:
            defect = defect_record(by=user, unit=inspection.handover.unit, inspection=inspection, **fields)
        except PermissionDenied as error:
            return _json_error(403, str(error))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if as_json:
                return JsonResponse(_defect_json(defect), status=200 if replay else 201)
            return _done_or_back(
                request,
                inspection,
                True,
                message=_("Defect %(number)s recorded.") % {"number": defect.number},
            )
    if as_json:
        return JsonResponse({"errors": _field_errors(form)}, status=400)
    return _done_or_back(request, inspection, False, form)


@login_required
@require_POST
def inspection_complete(request, pk: int):
    user = request.user
    inspection = _inspection_or_404(user, pk)
    _require_inspector(user)
    try:
        services.inspection_complete(by=user, inspection=inspection)
    except ValidationError as error:
        return _render_tablet(request, pk, complete_errors=error.messages, status=400)
    messages.success(request, _("Inspection completed."))
    return redirect("delivery:handover-detail", pk=inspection.handover_id)


# --- sign-off -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sign_off(request, pk: int):
    """交房: documents, meter readings, keys and the owner's signature drawn on the tablet."""
    user = request.user
    _require_reader(user)
    handover = _handover_or_404(user, pk)
    # A handed-over unit shows its sign-off record and a running inspection a warning (the template);
    # the service refuses both (services.sign_off_refusal).
    may_sign = services.may_inspect(user)
    if request.method == "POST":
        _require_inspector(user)
        form = SignOffForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.handover_sign_off(by=user, handover=handover, **form.service_fields())
            except ConcurrentEditError as error:
                form.add_error(None, error.messages)
                form.add_error(None, _("Reload the page to see the latest state, then try again."))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Unit %(unit)s handed over.") % {"unit": handover.unit.code})
                return redirect("delivery:handover-detail", pk=handover.pk)
    else:
        form = SignOffForm(
            initial={
                "version": handover.version,
                "signed_by_name": handover.owner.name if handover.owner else "",
                "keys_handed": 2,
            }
        )
    return render(
        request,
        "delivery/inspection/sign_off.html",
        {
            "handover": handover,
            "form": form,
            "may_sign": may_sign,
            "may_override": services.may_override(user),
            "documents": _document_labels(handover.documents_handed),
            "blocking_defects": [d for d in handover.defects.all() if d.is_blocking],
        },
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("handovers/<int:pk>/", handover_detail, name="handover-detail"),
    path("handovers/<int:pk>/inspections/start/", inspection_start, name="inspection-start"),
    path("handovers/<int:pk>/sign-off/", sign_off, name="sign-off"),
    path("inspections/<int:pk>/", inspection_page, name="inspection"),
    path("inspections/<int:pk>/checks/", inspection_check, name="inspection-check"),
    path("inspections/<int:pk>/defects/", inspection_defect, name="inspection-defect"),
    path("inspections/<int:pk>/complete/", inspection_complete, name="inspection-complete"),
]
