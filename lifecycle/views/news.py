"""A project's construction news (施工进度), under /lifecycle/projects/<id>/news/: the list (keyset),
a draft's form, the news page (photos, recipients, send, the send job's progress)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import VERSION_MISSING
from core.paging import broken_link, newest_first_page
from customers.forms import add_service_errors
from customers.services import ConcurrentEditError
from properties.selectors import visible_projects

from ..models import ConstructionNews, NewsPhoto
from ..news_forms import NewsActionForm, NewsForm
from ..permissions import may_edit_registers
from ..services import news as services
from .commitments import project_or_404, require_viewer

# Lazy: a module constant is made once, at import, whatever the language of the request then.
CONFLICT = gettext_lazy("Someone else changed this news after you opened it; check it again.")


def _news_or_404(user, pk: int, news_pk: int):
    project = project_or_404(user, pk)
    news = get_object_or_404(
        ConstructionNews.objects.visible_to(user).filter(project=project).select_related("phase"), pk=news_pk
    )
    news.project = project
    return project, news


def _writer_project(request, pk: int):
    project = project_or_404(request.user, pk)
    if not may_edit_registers(request.user):
        raise PermissionDenied(_("Your role may not change the lifecycle registers."))
    return project


LATEST_ROWS = 20


@login_required
@require_GET
def news_index(request):
    """The menu's entry: the user's projects (each to its news list) and the latest news among them."""
    require_viewer(request.user)
    latest = (
        ConstructionNews.objects.visible_to(request.user)
        .select_related("project", "phase")
        .order_by("-id")[:LATEST_ROWS]
    )
    return render(
        request,
        "lifecycle/news_index.html",
        {"projects": visible_projects(request.user), "latest": list(latest)},
    )


@login_required
@require_GET
def news_list(request, pk: int):
    project = project_or_404(request.user, pk)
    rows = ConstructionNews.objects.visible_to(request.user).filter(project=project).select_related("phase")
    page, pager = newest_first_page(request, rows)
    if page is None:
        return broken_link(request)
    return render(
        request,
        "lifecycle/news_list.html",
        {"project": project, "may_edit": may_edit_registers(request.user), **pager},
    )


@login_required
@require_http_methods(["GET", "POST"])
def news_add(request, pk: int):
    project = _writer_project(request, pk)
    form = NewsForm(request.POST or None, request.FILES or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            news = services.news_create(
                by=request.user, project=project, photos=form.cleaned_data["photos"], **form.news_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Draft saved. Check it, then send it to the buyers."))
            return redirect("lifecycle:news_detail", pk=project.pk, news_pk=news.pk)
    status = 400 if form.errors else 200
    return render(request, "lifecycle/news_form.html", {"project": project, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def news_edit(request, pk: int, news_pk: int):
    _writer_project(request, pk)
    project, news = _news_or_404(request.user, pk, news_pk)
    if news.status != ConstructionNews.Status.DRAFT:
        messages.error(request, _("This news has been sent: it can no longer be changed."))
        return redirect("lifecycle:news_detail", pk=project.pk, news_pk=news.pk)
    initial = {
        "title": news.title,
        "phase": news.phase_id,
        "progress_on": news.progress_on,
        "text": news.text,
        "version": news.version,
    }
    form = NewsForm(
        request.POST or None, request.FILES or None, project=project, editing=True, initial=initial
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.news_update(
                by=request.user,
                news=news,
                version=form.cleaned_data["version"],
                photos=form.cleaned_data["photos"],
                **form.news_fields(),
            )
        except ConcurrentEditError:
            form.add_error(None, CONFLICT)
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("lifecycle:news_detail", pk=project.pk, news_pk=news.pk)
    if form.errors and status == 200:
        status = 400
    context = {"project": project, "form": form, "news": news}
    return render(request, "lifecycle/news_form.html", context, status=status)


def _progress(news: ConstructionNews) -> dict:
    total, done = news.send_total, news.send_done
    running = news.status == ConstructionNews.Status.SENDING
    if running and not total:
        label = _("Choosing the recipients…")
    elif running:
        label = _("Sent %(done)s of %(total)s") % {"done": f"{done:,}", "total": f"{total:,}"}
    else:
        label = news.get_status_display()
    return {
        "running": running,
        "status": news.status,
        "status_label": label,
        "done": done,
        "total": total,
        "percent": min(100, round(100 * done / total)) if total else 0,
    }


@login_required
@require_GET
def news_detail(request, pk: int, news_pk: int):
    project, news = _news_or_404(request.user, pk, news_pk)
    draft = news.status == ConstructionNews.Status.DRAFT
    may_edit = may_edit_registers(request.user)
    recipients = (
        services.news_recipient_ids(project_id=project.pk, phase_id=news.phase_id).count() if draft else None
    )
    return render(
        request,
        "lifecycle/news_detail.html",
        {
            "project": project,
            "news": news,
            "photos": list(news.photos.all()),
            "may_edit": may_edit and draft,
            "recipients": recipients,
            "progress": _progress(news),
        },
    )


@login_required
@require_GET
def news_progress(request, pk: int, news_pk: int):
    """The send job's progress, polled by the news page (static/js/import-job.js)."""
    _project, news = _news_or_404(request.user, pk, news_pk)
    return JsonResponse(_progress(news))


@login_required
@require_POST
def news_send(request, pk: int, news_pk: int):
    _writer_project(request, pk)
    project, news = _news_or_404(request.user, pk, news_pk)
    form = NewsActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, VERSION_MISSING)
        return redirect("lifecycle:news_detail", pk=project.pk, news_pk=news.pk)
    try:
        services.news_send(by=request.user, news=news, version=form.cleaned_data["version"])
    except ConcurrentEditError:
        messages.error(request, CONFLICT)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Sending the news to the buyers."))
    return redirect("lifecycle:news_detail", pk=project.pk, news_pk=news.pk)


@login_required
@require_POST
def news_photo_remove(request, pk: int, news_pk: int, photo_pk: int):
    _writer_project(request, pk)
    project, news = _news_or_404(request.user, pk, news_pk)
    photo = get_object_or_404(NewsPhoto.objects.filter(news=news), pk=photo_pk)
    try:
        services.news_photo_remove(by=request.user, photo=photo)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Photo removed."))
    return redirect("lifecycle:news_detail", pk=project.pk, news_pk=news.pk)
