"""The user's in-app notifications: list, mark one or all read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from .models import Notification

LIST_LIMIT = 100


@login_required
@require_GET
def notification_list(request):
    notifications = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    return render(request, "notifications/list.html", {"notifications": notifications[:LIST_LIMIT]})


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one read; with `open`, go on to what it is about."""
    notification = get_object_or_404(Notification.objects.filter(recipient=request.user), pk=pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    link = notification.link
    if request.POST.get("open") and link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    Notification.objects.filter(recipient=request.user).unread().update(read_at=timezone.now())
    return redirect("notifications:list")
