"""The batch pages: the list (the home page), create and edit, the batch page: readiness, units, slots."""

from __future__ import annotations

from itertools import groupby

from cursor_pagination import CursorPaginator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.listing import bounded_count
from core.paging import BrokenCursor, broken_link, cursor_date, cursor_id, cursor_parts
from customers.forms import add_service_errors
from customers.services import ConcurrentEditError
from properties.models import Project

from ...batch_checks import batch_checks
from ...forms import planning as forms
from ...models import AppointmentSlot, Handover, HandoverBatch, ReadinessItem
from ...selectors import planning as selectors
from ...services import planning as services
from ._common import _batch_or_404, _error_message, _require

PAGE_SIZE = 25


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
    batches = selectors.batch_list(user=user, filters=filters)
    paginator = BatchCursorPaginator(batches, ("-starts_on", "-id"))
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
            "list_count": bounded_count(batches),
        },
    )


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
    if not services.batch_allows(batch, "plan"):
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


def _staff_choices(batch: HandoverBatch):
    staff = forms.project_staff(batch.project)
    return staff, [forms.BLANK, *((u.pk, str(u)) for u in staff)]


def _render_detail(request, batch: HandoverBatch, bound: dict | None = None, status: int = 200):
    user = request.user
    bound = bound or {}
    allowed = services.batch_actions(batch, user)
    may_plan = "plan" in allowed
    handovers = list(selectors.batch_handovers(batch))
    slots = list(selectors.slots_with_fill(batch).order_by("date", "starts_at"))
    now = timezone.now()
    for slot in slots:
        slot.started = services.slot_starts_at(slot) <= now
        slot.percent = min(100, round(100 * slot.taken / slot.capacity)) if slot.capacity else 0
    items = list(batch.readiness_items.all())
    checks = batch_checks(batch)
    context = {
        "batch": batch,
        "handovers": handovers,
        "status_counts": _handover_counts(handovers),
        "slot_days": [(day, list(group)) for day, group in groupby(slots, key=lambda s: s.date)],
        "items": items,
        "may_plan": may_plan,
        "may_book": "book" in allowed,
        "may_open": "open" in allowed,
        "unsettled": [item for item in items if not item.is_settled],
        "batch_checks": checks,
        "blocked": any(check.blocker for check in checks),
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


def _batch_version(request) -> int | None:
    """The version an open or close button posted; None (with the page's message) when it is missing."""
    form = forms.BatchVersionForm(request.POST)
    if form.is_valid():
        return form.cleaned_data["version"]
    messages.error(request, " ".join(form.non_field_errors()))
    return None


@login_required
@require_POST
def batch_open(request, pk: int):
    batch = _planning_post(request, pk)
    version = _batch_version(request)
    if version is None:
        return redirect("delivery:batch-detail", pk=batch.pk)
    return _run(request, batch, services.batch_open, _("The batch is open."), batch=batch, version=version)


@login_required
@require_POST
def batch_close(request, pk: int):
    batch = _planning_post(request, pk)
    version = _batch_version(request)
    if version is None:
        return redirect("delivery:batch-detail", pk=batch.pk)
    return _run(request, batch, services.batch_close, _("The batch is closed."), batch=batch, version=version)


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
