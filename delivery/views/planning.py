"""Planning pages of the handover module (交付), mounted at /handover/: the batch list (the module's
home), batch create/edit and page (readiness, units, slots), booking, the staff queue, the site
screen, and the owner's public booking page. Thin: reads through delivery.selectors.planning,
writes through delivery.services.planning.

Scope first (404), then role (403) for writes; contractors and department staff see none of it.
"""

from __future__ import annotations

import datetime
from itertools import groupby

from cursor_pagination import CursorPaginator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import get_usage

from crm.paging import BrokenCursor, broken_link, cursor_date, cursor_id, cursor_parts
from customers.forms import add_service_errors
from customers.services import ConcurrentEditError
from properties.models import Project

from ..forms import planning as forms
from ..models import Appointment, AppointmentSlot, Handover, HandoverBatch, ReadinessItem
from ..selectors import planning as selectors
from ..services import planning as services

PAGE_SIZE = 25
# The owner's booking page, per IP address (django-ratelimit syntax); settings may override both.
OWNER_VIEW_RATE, OWNER_BOOK_RATE = "60/h", "10/h"
QUEUE_LANES = (
    (Appointment.Status.CHECKED_IN, gettext_lazy("Waiting")),
    (Appointment.Status.INSPECTING, gettext_lazy("Inspecting the unit")),
    (Appointment.Status.SIGNING, gettext_lazy("Signing")),
)
ADVANCE_LABELS = {
    Appointment.Status.CHECKED_IN: gettext_lazy("Check in"),
    Appointment.Status.INSPECTING: gettext_lazy("Start inspection"),
    Appointment.Status.SIGNING: gettext_lazy("Start signing"),
    Appointment.Status.DONE: gettext_lazy("Done"),
}


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _require(user, action: str) -> None:
    if not services.may(user, action):
        raise PermissionDenied(_("Your role may not do this."))


def _batch_or_404(user, pk: int) -> HandoverBatch:
    _require(user, "read")
    try:
        return selectors.batch_detail(user=user, pk=pk)
    except HandoverBatch.DoesNotExist:
        raise Http404(_("No such handover batch.")) from None


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _error_message(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- the batch list ----------------------------------------------------------------------------


class BatchCursorPaginator(CursorPaginator):
    def is_valid(self, cursor: str | None) -> bool:
        """A broken cursor is a 400, never a database error."""
        if not cursor:
            return True
        try:
            day, pk = cursor_parts(self, cursor, 2)
            cursor_date(day), cursor_id(pk)
        except BrokenCursor:
            return False
        return True


@login_required
@require_GET
def batch_list(request):
    user = request.user
    _require(user, "read")
    form = forms.BatchFilterForm(request.GET or None, user=user)
    filters = form.cleaned_data if form.is_valid() else {}
    paginator = BatchCursorPaginator(selectors.batch_list(user=user, filters=filters), ("-starts_on", "-id"))
    after, before = request.GET.get("after"), request.GET.get("before")
    if not (paginator.is_valid(after) and paginator.is_valid(before)):
        return broken_link(request)
    page = (
        paginator.page(last=PAGE_SIZE, before=before)
        if before
        else paginator.page(first=PAGE_SIZE, after=after)
    )
    kept = request.GET.copy()
    kept.pop("after", None)
    kept.pop("before", None)
    return render(
        request,
        "delivery/planning/batch_list.html",
        {
            "form": form,
            "page": page,
            "next_cursor": paginator.cursor(page[-1]) if page and page.has_next else None,
            "previous_cursor": paginator.cursor(page[0]) if page and page.has_previous else None,
            "kept_query": kept.urlencode(),
            "may_plan": services.may(user, "plan"),
            "today": timezone.localdate(),
        },
    )


# --- create and edit -----------------------------------------------------------------------------


def _project_for_create(request) -> Project | None:
    projects = Project.objects.visible_to(request.user)
    raw = request.POST.get("project") or request.GET.get("project") or ""
    if raw.isdigit():
        return get_object_or_404(projects.select_related("city_company"), pk=raw)
    only = list(projects.select_related("city_company")[:2])
    return only[0] if len(only) == 1 else None


@login_required
@require_http_methods(["GET", "POST"])
def batch_create(request):
    user = request.user
    _require(user, "plan")
    project = _project_for_create(request)
    if project is None:
        pick = forms.ProjectPickForm(request.GET or None, user=user)
        return render(request, "delivery/planning/batch_project.html", {"form": pick})
    form = forms.BatchForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_create(
                by=user,
                project=project,
                units=form.units,
                move_units=form.cleaned_data["move_units"],
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error, field_aliases={"units": "unit_codes"})
        else:
            messages.success(
                request,
                _("Batch “%(name)s” created with %(count)d units and its readiness checklist.")
                % {"name": batch.name, "count": batch.handovers.count()},
            )
            return redirect("delivery:batch-detail", pk=batch.pk)
    return render(
        request,
        "delivery/planning/batch_form.html",
        {"form": form, "project": project, "batch": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_edit(request, pk: int):
    user = request.user
    batch = _batch_or_404(user, pk)
    _require(user, "plan")
    if batch.status == HandoverBatch.Status.CLOSED:
        messages.error(request, _("The batch is closed."))
        return redirect("delivery:batch-detail", pk=batch.pk)
    initial = {
        "name": batch.name,
        "phase": batch.phase_id,
        "buildings": [b.pk for b in batch.buildings.all()],
        "starts_on": batch.starts_on,
        "ends_on": batch.ends_on,
        "site": batch.site,
        "lead": batch.lead_id,
        "team": [u.pk for u in batch.team.all()],
        "version": batch.version,
    }
    form = forms.BatchForm(request.POST or None, project=batch.project, editing=True, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.batch_update(
                by=user,
                batch=batch,
                version=form.cleaned_data.get("version"),
                move_units=form.cleaned_data["move_units"],
                **form.service_fields(),
            )
        except ConcurrentEditError as error:
            form.add_error(None, _error_message(error))
            status = 409
        except ValidationError as error:
            add_service_errors(form, error, field_aliases={"units": "buildings"})
        else:
            messages.success(request, _("Batch saved."))
            return redirect("delivery:batch-detail", pk=batch.pk)
    if form.errors and status == 200:
        status = 400
    return render(
        request,
        "delivery/planning/batch_form.html",
        {"form": form, "project": batch.project, "batch": batch},
        status=status,
    )


# --- the batch page ------------------------------------------------------------------------------


def _staff_choices(batch: HandoverBatch):
    staff = forms.project_staff(batch.project)
    return staff, [forms.BLANK, *((u.pk, str(u)) for u in staff)]


def _render_detail(request, batch: HandoverBatch, bound: dict | None = None, status: int = 200):
    user = request.user
    bound = bound or {}
    may_plan = services.may(user, "plan") and batch.status != HandoverBatch.Status.CLOSED
    handovers = list(selectors.batch_handovers(batch))
    slots = list(selectors.slots_with_fill(batch).order_by("date", "starts_at"))
    now = timezone.now()
    for slot in slots:
        slot.started = services.slot_starts_at(slot) <= now
        slot.percent = min(100, round(100 * slot.taken / slot.capacity)) if slot.capacity else 0
    items = list(batch.readiness_items.all())
    context = {
        "batch": batch,
        "handovers": handovers,
        "status_counts": _handover_counts(handovers),
        "slot_days": [(day, list(group)) for day, group in groupby(slots, key=lambda s: s.date)],
        "items": items,
        "may_plan": may_plan,
        "may_book": services.may(user, "book") and batch.status != HandoverBatch.Status.CLOSED,
        "may_open": may_plan and batch.status == HandoverBatch.Status.PLANNING,
        "unsettled": [item for item in items if not item.is_settled],
        "site_root": request.build_absolute_uri("/")[:-1],
    }
    if may_plan:
        staff, choices = _staff_choices(batch)
        for item in items:
            item.form = bound.get(f"item-{item.pk}") or forms.ReadinessItemForm(
                staff=staff,
                staff_choices=choices,
                initial={
                    "status": item.status,
                    "owner": item.owner_id,
                    "due_on": item.due_on,
                    "note": item.note,
                    "version": item.version,
                },
                auto_id=f"item-{item.pk}-%s",
            )
        context.update(
            item_add_form=bound.get("item-add")
            or forms.ReadinessItemAddForm(staff=staff, staff_choices=choices, auto_id="item-add-%s"),
            units_form=bound.get("units") or forms.UnitsAddForm(batch=batch, auto_id="units-%s"),
            slot_form=bound.get("slot")
            or forms.SlotForm(initial={"date": batch.starts_on}, auto_id="slot-%s"),
            generate_form=bound.get("generate")
            or forms.SlotGenerateForm(
                initial={"first_day": max(batch.starts_on, timezone.localdate()), "last_day": batch.ends_on},
                auto_id="generate-%s",
            ),
        )
    return render(request, "delivery/planning/batch_detail.html", context, status=status)


def _handover_counts(handovers: list[Handover]) -> list[tuple[str, int]]:
    counts = dict.fromkeys(Handover.Status.values, 0)
    for handover in handovers:
        counts[handover.status] += 1
    return [(label, counts[value]) for value, label in Handover.Status.choices]


@login_required
@require_GET
def batch_detail(request, pk: int):
    return _render_detail(request, _batch_or_404(request.user, pk))


def _planning_post(request, pk: int) -> HandoverBatch:
    batch = _batch_or_404(request.user, pk)
    _require(request.user, "plan")
    return batch


def _run(request, page: HandoverBatch, service, done: str, *, panel: str | None = None, form=None, **kwargs):
    """Call the service; on a refusal show the batch page again with the form (or a message)."""
    try:
        service(by=request.user, **kwargs)
    except ConcurrentEditError as error:
        messages.error(request, _error_message(error))
        return redirect("delivery:batch-detail", pk=page.pk)
    except ValidationError as error:
        if form is None:
            messages.error(request, _error_message(error))
            return redirect("delivery:batch-detail", pk=page.pk)
        add_service_errors(form, error)
        return _render_detail(request, page, {panel: form}, status=400)
    messages.success(request, done)
    return redirect("delivery:batch-detail", pk=page.pk)


@login_required
@require_POST
def batch_open(request, pk: int):
    batch = _planning_post(request, pk)
    version = request.POST.get("version", "")
    return _run(
        request,
        batch,
        services.batch_open,
        _("The batch is open."),
        batch=batch,
        version=int(version) if version.isdigit() else None,
    )


@login_required
@require_POST
def batch_close(request, pk: int):
    batch = _planning_post(request, pk)
    version = request.POST.get("version", "")
    return _run(
        request,
        batch,
        services.batch_close,
        _("The batch is closed."),
        batch=batch,
        version=int(version) if version.isdigit() else None,
    )


@login_required
@require_POST
def readiness_update(request, pk: int, item_pk: int):
    batch = _planning_post(request, pk)
    item = get_object_or_404(ReadinessItem, pk=item_pk, batch=batch)
    staff, choices = _staff_choices(batch)
    form = forms.ReadinessItemForm(
        request.POST, staff=staff, staff_choices=choices, auto_id=f"item-{item.pk}-%s"
    )
    if not form.is_valid():
        return _render_detail(request, batch, {f"item-{item.pk}": form}, status=400)
    data = form.cleaned_data
    return _run(
        request,
        batch,
        services.readiness_item_update,
        _("“%(item)s” saved.") % {"item": item.title},
        panel=f"item-{item.pk}",
        form=form,
        item=item,
        version=data.get("version"),
        status=data["status"],
        owner=data.get("owner"),
        due_on=data.get("due_on"),
        note=data.get("note") or "",
    )


@login_required
@require_POST
def readiness_add(request, pk: int):
    batch = _planning_post(request, pk)
    staff, choices = _staff_choices(batch)
    form = forms.ReadinessItemAddForm(request.POST, staff=staff, staff_choices=choices, auto_id="item-add-%s")
    if not form.is_valid():
        return _render_detail(request, batch, {"item-add": form}, status=400)
    return _run(
        request,
        batch,
        services.readiness_item_add,
        _("Readiness item added."),
        panel="item-add",
        form=form,
        batch=batch,
        **form.cleaned_data,
    )


@login_required
@require_POST
def units_add(request, pk: int):
    batch = _planning_post(request, pk)
    form = forms.UnitsAddForm(request.POST, batch=batch, auto_id="units-%s")
    if not form.is_valid():
        return _render_detail(request, batch, {"units": form}, status=400)
    return _run(
        request,
        batch,
        services.batch_units_add,
        _("Units added."),
        panel="units",
        form=form,
        batch=batch,
        units=form.units,
        move=form.cleaned_data["move"],
    )


@login_required
@require_POST
def unit_remove(request, pk: int, handover_pk: int):
    batch = _planning_post(request, pk)
    handover = get_object_or_404(Handover, pk=handover_pk, batch=batch)
    return _run(
        request,
        batch,
        services.batch_unit_remove,
        _("Unit removed from the batch."),
        batch=batch,
        handover=handover,
    )


@login_required
@require_POST
def slot_create(request, pk: int):
    batch = _planning_post(request, pk)
    form = forms.SlotForm(request.POST, auto_id="slot-%s")
    if not form.is_valid():
        return _render_detail(request, batch, {"slot": form}, status=400)
    return _run(
        request,
        batch,
        services.slot_create,
        _("Slot added."),
        panel="slot",
        form=form,
        batch=batch,
        **form.cleaned_data,
    )


@login_required
@require_POST
def slots_generate(request, pk: int):
    batch = _planning_post(request, pk)
    form = forms.SlotGenerateForm(request.POST, auto_id="generate-%s")
    if not form.is_valid():
        return _render_detail(request, batch, {"generate": form}, status=400)
    data = form.cleaned_data
    try:
        created = services.slots_generate(
            by=request.user,
            batch=batch,
            first_day=data["first_day"],
            last_day=data["last_day"],
            windows=data["windows"],
            capacity=data["capacity"],
            weekdays=data["weekdays"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_detail(request, batch, {"generate": form}, status=400)
    messages.success(request, _("%(count)d slots created.") % {"count": len(created)})
    return redirect("delivery:batch-detail", pk=batch.pk)


@login_required
@require_POST
def slot_delete(request, pk: int, slot_pk: int):
    batch = _planning_post(request, pk)
    slot = get_object_or_404(AppointmentSlot, pk=slot_pk, batch=batch)
    return _run(request, batch, services.slot_delete, _("Slot deleted."), slot=slot)


# --- booking ------------------------------------------------------------------------------------


def _bookable_slots(batch: HandoverBatch, now=None) -> list[AppointmentSlot]:
    """Slots that have not started, full ones included (shown as full; the service refuses them)."""
    now = timezone.localtime(now or timezone.now())
    slots = selectors.slots_with_fill(batch).order_by("date", "starts_at")
    return [s for s in slots.filter(date__gte=now.date()) if services.slot_starts_at(s) > now]


@login_required
@require_http_methods(["GET", "POST"])
def book(request, pk: int):
    """Book an owner (pick a unit and a slot), or change the unit's appointment."""
    user = request.user
    batch = _batch_or_404(user, pk)
    _require(user, "book")
    slots = _bookable_slots(batch)
    raw = request.POST.get("handover") or request.GET.get("handover") or ""
    chosen = (
        get_object_or_404(Handover.objects.select_related("unit"), pk=raw, batch=batch)
        if raw.isdigit()
        else None
    )
    current = selectors.active_appointment(chosen) if chosen else None
    if current is not None:
        owner = current.customer
        return render(
            request,
            "delivery/planning/book.html",
            {
                "batch": batch,
                "handover": chosen,
                "appointment": current,
                "owner": owner,
                "owner_phone": owner.primary_phone.masked if owner and owner.primary_phone else "",
                "reschedule_form": forms.RescheduleForm(
                    slots=[s for s in slots if s.pk != current.slot_id],
                    initial={"version": current.version},
                    auto_id="reschedule-%s",
                ),
                "action_form": forms.AppointmentActionForm(
                    initial={"version": current.version}, auto_id="cancel-%s"
                ),
                "slot_started": services.slot_starts_at(current.slot) <= timezone.now(),
            },
        )
    handovers = selectors.bookable_handovers(batch)
    owners = selectors.owners_of(handovers.values_list("unit_id", flat=True))
    form = forms.BookForm(
        request.POST or None,
        handovers=handovers,
        slots=slots,
        owners=owners,
        initial={"handover": chosen.pk if chosen else None},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.appointment_book(
                by=user, handover=data["handover"], slot=data["slot"], note=data.get("note") or ""
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(unit)s booked for %(slot)s.")
                % {"unit": data["handover"].unit.code, "slot": appointment.slot},
            )
            return redirect("delivery:batch-detail", pk=batch.pk)
    return render(
        request,
        "delivery/planning/book.html",
        {"batch": batch, "form": form, "handover": chosen, "no_slots": not slots},
        status=400 if form.errors else 200,
    )


APPOINTMENT_ACTIONS = ("reschedule", "cancel", "no-show", "advance")


@login_required
@require_POST
def appointment_action(request, pk: int, action: str):
    """Reschedule, cancel, no-show or advance in the queue; scope first (404), then role (403)."""
    if action not in APPOINTMENT_ACTIONS:
        raise Http404
    user = request.user
    _require(user, "read")
    appointment = get_object_or_404(selectors.appointment_queryset(user), pk=pk)
    _require(user, "book")
    batch = appointment.slot.batch
    back = _next_url(
        request, reverse("delivery:book", args=[batch.pk]) + f"?handover={appointment.handover_id}"
    )
    try:
        if action == "reschedule":
            form = forms.RescheduleForm(request.POST, slots=_bookable_slots(batch))
            if not form.is_valid():
                raise ValidationError({"slot": _("Choose a new slot.")})
            services.appointment_reschedule(
                by=user,
                appointment=appointment,
                slot=form.cleaned_data["slot"],
                version=form.cleaned_data["version"],
            )
            done = _("Appointment moved.")
        elif action == "advance":
            form = forms.AdvanceForm(request.POST)
            if not form.is_valid():
                return HttpResponseBadRequest(_("Unknown step."))
            services.appointment_advance(
                by=user,
                appointment=appointment,
                to_status=form.cleaned_data["to_status"],
                version=form.cleaned_data.get("version"),
            )
            done = _("%(unit)s: %(status)s.") % {
                "unit": appointment.handover.unit.code,
                "status": Appointment.Status(form.cleaned_data["to_status"]).label,
            }
        else:
            form = forms.AppointmentActionForm(request.POST)
            form.is_valid()
            data = form.cleaned_data
            if action == "cancel":
                services.appointment_cancel(
                    by=user,
                    appointment=appointment,
                    reason=data.get("reason") or "",
                    version=data.get("version"),
                )
                done = _("Appointment cancelled.")
            else:
                services.appointment_no_show(by=user, appointment=appointment, version=data.get("version"))
                done = _("Marked as no-show.")
    except ValidationError as error:  # a refusal or a stale version (ConcurrentEditError)
        return _action_refused(request, batch, back, error)
    if _is_htmx(request):
        return _queue_response(request, batch, appointment.slot.date, message=done)
    messages.success(request, done)
    return redirect(back)


def _action_refused(request, batch, back: str, error: ValidationError):
    if _is_htmx(request):
        # htmx swaps only 2xx answers: the refusal is shown in the queue it replaces.
        return _queue_response(request, batch, _queue_day(request), error=_error_message(error))
    messages.error(request, _error_message(error))
    return redirect(back)


# --- the day: queue and screen -------------------------------------------------------------------


def _queue_day(request) -> datetime.date:
    raw = request.GET.get("day") or request.POST.get("day") or ""
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        return timezone.localdate()


def _queue_context(request, batch: HandoverBatch, day: datetime.date) -> dict:
    lanes = selectors.queue(batch, day)
    now = timezone.now()
    for appointment in lanes[Appointment.Status.BOOKED]:
        appointment.slot_started = services.slot_starts_at(appointment.slot) <= now
    for status in services.QUEUE_ORDER:
        for appointment in lanes[status]:
            appointment.next_status = services.NEXT_STATUS.get(appointment.status)
            appointment.next_label = ADVANCE_LABELS.get(appointment.next_status, "")
    return {
        "batch": batch,
        "day": day,
        "queue_url": f"{reverse('delivery:queue', args=[batch.pk])}?day={day.isoformat()}",
        "is_today": day == timezone.localdate(),
        "expected": lanes[Appointment.Status.BOOKED],
        "lanes": [(status, label, lanes[status]) for status, label in QUEUE_LANES],
        "done": lanes[Appointment.Status.DONE],
        "no_shows": lanes[Appointment.Status.NO_SHOW],
        "may_book": services.may(request.user, "book") and batch.status != HandoverBatch.Status.CLOSED,
    }


def _queue_response(request, batch, day, *, message: str = "", error: str = ""):
    context = _queue_context(request, batch, day)
    context.update(flash=message, flash_error=error)
    return render(request, "delivery/planning/_queue.html", context)


@login_required
@require_GET
def queue(request, pk: int):
    """The staff's queue on the day: big buttons to check owners in and move them along."""
    batch = _batch_or_404(request.user, pk)
    day = _queue_day(request)
    if _is_htmx(request):
        return _queue_response(request, batch, day)
    return render(request, "delivery/planning/queue.html", _queue_context(request, batch, day))


@login_required
@require_GET
def queue_screen(request, pk: int):
    """The site screen: queue numbers and unit codes only (never names or phones), polled every 10 s."""
    batch = _batch_or_404(request.user, pk)
    lanes = selectors.queue(batch, timezone.localdate())
    context = {
        "batch": batch,
        "waiting": lanes[Appointment.Status.CHECKED_IN],
        "inspecting": lanes[Appointment.Status.INSPECTING],
        "signing": lanes[Appointment.Status.SIGNING],
        "done_count": len(lanes[Appointment.Status.DONE]),
        "now": timezone.localtime(),
        "calendar_warning": None,  # an owners' screen: no staff banners
    }
    template = (
        "delivery/planning/_screen_board.html" if _is_htmx(request) else "delivery/planning/queue_screen.html"
    )
    return render(request, template, context)


# --- the owner's booking link (public, no login) --------------------------------------------------


def _usage(request, group: str, rate: str, *, method: str, increment: bool):
    return get_usage(request, group=group, key="ip", rate=rate, method=method, increment=increment)


def _view_rate() -> str:
    return getattr(settings, "HANDOVER_OWNER_VIEW_RATE", OWNER_VIEW_RATE)


def _book_rate() -> str:
    return getattr(settings, "HANDOVER_OWNER_BOOK_RATE", OWNER_BOOK_RATE)


@require_http_methods(["GET", "POST"])
def owner_book(request, token):
    """/handover/book/<token>/: the owner sees the project, unit and free slots and picks one."""
    viewed = _usage(request, "handover-owner-view", _view_rate(), method="GET", increment=True)
    if viewed and viewed["should_limit"]:
        return render(request, "delivery/planning/public/rate_limited.html", status=429)
    try:
        handover = selectors.handover_for_token(token)
    except Handover.DoesNotExist:
        raise Http404(_("This booking link is not valid.")) from None
    batch = handover.batch
    current = selectors.active_appointment(handover)
    owner = current.customer if current else selectors.owner_of(handover.unit)
    now = timezone.now()
    slots = _bookable_slots(batch, now) if batch.status != HandoverBatch.Status.CLOSED else []
    if current is not None:
        slots = [s for s in slots if s.pk != current.slot_id]
    may_change = handover.status != Handover.Status.HANDED_OVER and (
        current is None or current.status == Appointment.Status.BOOKED
    )
    form = forms.OwnerBookForm(request.POST or None, slots=slots)
    status = 200
    if request.method == "POST" and may_change:
        usage = _usage(request, "handover-owner-book", _book_rate(), method="POST", increment=False)
        if usage and usage["count"] >= usage["limit"]:
            return render(request, "delivery/planning/public/rate_limited.html", status=429)
        if form.is_valid():
            try:
                if current is None:
                    services.appointment_book(
                        by=None, handover=handover, slot=form.cleaned_data["slot"], now=now
                    )
                else:
                    services.appointment_reschedule(
                        by=None, appointment=current, slot=form.cleaned_data["slot"], now=now
                    )
            except ValidationError as error:
                form.add_error(None, _error_message(error))
            else:
                _usage(request, "handover-owner-book", _book_rate(), method="POST", increment=True)
                messages.success(request, _("Thank you: your appointment is booked."))
                return redirect("delivery:owner-book", token=handover.booking_token)
        status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "delivery/planning/public/owner_book.html",
        {
            "handover": handover,
            "batch": batch,
            "project": handover.project,
            "unit": handover.unit,
            "owner_name": selectors.mask_name(owner.name) if owner else "",
            "appointment": current,
            "slots": slots,
            "form": form,
            "may_change": may_change and batch.status != HandoverBatch.Status.CLOSED,
            "closed": batch.status == HandoverBatch.Status.CLOSED,
        },
        status=status,
    )


urlpatterns = [
    path("", batch_list, name="batch-list"),
    path("batches/new/", batch_create, name="batch-create"),
    path("batches/<int:pk>/", batch_detail, name="batch-detail"),
    path("batches/<int:pk>/edit/", batch_edit, name="batch-edit"),
    path("batches/<int:pk>/open/", batch_open, name="batch-open"),
    path("batches/<int:pk>/close/", batch_close, name="batch-close"),
    path("batches/<int:pk>/units/", units_add, name="batch-units"),
    path("batches/<int:pk>/units/<int:handover_pk>/remove/", unit_remove, name="batch-unit-remove"),
    path("batches/<int:pk>/readiness/", readiness_add, name="readiness-add"),
    path("batches/<int:pk>/readiness/<int:item_pk>/", readiness_update, name="readiness-update"),
    path("batches/<int:pk>/slots/", slot_create, name="slot-create"),
    path("batches/<int:pk>/slots/generate/", slots_generate, name="slots-generate"),
    path("batches/<int:pk>/slots/<int:slot_pk>/delete/", slot_delete, name="slot-delete"),
    path("batches/<int:pk>/book/", book, name="book"),
    path("batches/<int:pk>/queue/", queue, name="queue"),
    path("batches/<int:pk>/queue/screen/", queue_screen, name="queue-screen"),
    path("appointments/<int:pk>/<slug:action>/", appointment_action, name="appointment-action"),
    path("book/<uuid:token>/", owner_book, name="owner-book"),
]
