"""The campaign pages: the list, a draft's form, the campaign page (preview, send, progress, close)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import VERSION_MISSING
from core.paging import broken_link, newest_first_page
from customers.forms import add_service_errors
from customers.models import RfmSegment, ValueClass
from customers.services import ConcurrentEditError

from ..forms.campaigns import CampaignActionForm, CampaignForm
from ..models import Campaign, Segment
from ..permissions import may_run_campaigns, may_view_surveys
from ..selectors.targeting import EXCLUSION_REASONS, campaign_preview
from ..services import campaigns as services


def _require_viewer(user) -> None:
    if not may_view_surveys(user):
        raise PermissionDenied(_("Your role may not see surveys."))


def _require_runner(user) -> None:
    if not may_run_campaigns(user):
        raise PermissionDenied(_("Your role may not run survey campaigns."))


def _campaign_or_404(user, pk: int) -> Campaign:
    _require_viewer(user)
    return get_object_or_404(
        Campaign.objects.visible_to(user).select_related(
            "template_version__template", "city_company", "project", "building", "created_by"
        ),
        pk=pk,
    )


def _may_run(user, campaign: Campaign) -> bool:
    return may_run_campaigns(user) and not services.target_errors(
        user, city_company=campaign.city_company, project=campaign.project, building=campaign.building
    )


@login_required
@require_GET
def campaign_list(request):
    user = request.user
    _require_viewer(user)
    campaigns = Campaign.objects.visible_to(user).select_related(
        "template_version__template", "city_company", "project", "building"
    )
    page, pager = newest_first_page(request, campaigns)
    if page is None:
        return broken_link(request)
    return render(
        request,
        "surveys/campaign_list.html",
        {"may_create": may_run_campaigns(user), **pager},
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    user = request.user
    _require_viewer(user)
    _require_runner(user)
    form = CampaignForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(by=user, **form.campaign_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Draft saved. Check the preview, then send."))
            return redirect("surveys:campaign", pk=campaign.pk)
    return render(
        request,
        "surveys/campaign_form.html",
        {"form": form, "campaign": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request, pk: int):
    user = request.user
    campaign = _campaign_or_404(user, pk)
    if not _may_run(user, campaign):
        raise PermissionDenied(_("You may not edit this campaign."))
    if campaign.status != Campaign.Status.DRAFT:
        messages.error(request, _("Only a draft can be edited."))
        return redirect("surveys:campaign", pk=campaign.pk)
    form = CampaignForm(
        request.POST or None, user=user, campaign=campaign, initial=CampaignForm.initial_for(campaign)
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(
                by=user,
                campaign=campaign,
                expected_version=form.cleaned_data["version"],
                **form.campaign_fields(),
            )
        except ConcurrentEditError as error:
            form.add_error(None, error.messages)
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Draft saved. Check the preview, then send."))
            return redirect("surveys:campaign", pk=campaign.pk)
    if form.errors and status == 200:
        status = 400
    return render(request, "surveys/campaign_form.html", {"form": form, "campaign": campaign}, status=status)


def _progress(campaign: Campaign) -> dict:
    total, done = campaign.send_total, campaign.send_done
    percent = min(100, round(100 * done / total)) if total else 0
    running = campaign.status == Campaign.Status.SENDING
    if running and not total:
        label = _("Choosing the recipients…")
    elif running:
        label = _("Sent %(done)s of %(total)s") % {"done": f"{done:,}", "total": f"{total:,}"}
    else:
        label = campaign.get_status_display()
    return {
        "running": running,
        "status": campaign.status,
        "status_label": label,
        "done": done,
        "total": total,
        "percent": percent,
    }


@login_required
@require_GET
def campaign_detail(request, pk: int):
    user = request.user
    campaign = _campaign_or_404(user, pk)
    may_run = _may_run(user, campaign)
    preview = campaign_preview(campaign) if campaign.status == Campaign.Status.DRAFT else None
    labels = {
        "deceased": _("Deceased"),
        "opted_out": _("Opted out"),
        "recently_surveyed": _("Surveyed recently"),
    }
    return render(
        request,
        "surveys/campaign_detail.html",
        {
            "campaign": campaign,
            "may_run": may_run,
            "preview": preview,
            "preview_total": preview.total if preview else None,
            "reasons": [(reason, labels[reason]) for reason in EXCLUSION_REASONS],
            "progress": _progress(campaign),
            "segment_labels": [
                Segment(value).label for value in campaign.segments if value in Segment.values
            ],
            "value_labels": [
                *(ValueClass(value).label for value in campaign.value_classes if value in ValueClass.values),
                *(RfmSegment(value).label for value in campaign.rfm_segments if value in RfmSegment.values),
            ],
        },
    )


@login_required
@require_GET
def campaign_progress(request, pk: int):
    """The send job's progress, polled by the campaign page (static/js/import-job.js)."""
    return JsonResponse(_progress(_campaign_or_404(request.user, pk)))


def _action(request, pk: int, service, success: str):
    user = request.user
    campaign = _campaign_or_404(user, pk)
    if not _may_run(user, campaign):
        raise PermissionDenied(_("You may not run this campaign."))
    form = CampaignActionForm(request.POST)
    expected = form.cleaned_data.get("version") if form.is_valid() else None
    if expected is None:
        messages.error(request, VERSION_MISSING)
        return redirect("surveys:campaign", pk=campaign.pk)
    try:
        service(by=user, campaign=campaign, expected_version=expected)
    except ConcurrentEditError:
        messages.error(request, _("Someone else changed this campaign after you opened it; check it again."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("surveys:campaign", pk=campaign.pk)


@login_required
@require_POST
def campaign_send(request, pk: int):
    return _action(request, pk, services.campaign_send, _("Sending started."))


@login_required
@require_POST
def campaign_close(request, pk: int):
    return _action(request, pk, services.campaign_close, _("Campaign closed: no more answers or reminders."))
