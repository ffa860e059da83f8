"""Staff pages for complaints (filled in by the complaints UI work)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from . import selectors
from .models import Complaint


@login_required
def sla_board(request):
    complaints = selectors.sla_board(user=request.user, filters=request.GET.dict())[:50]
    return render(request, "complaints/board.html", {"complaints": complaints})


@login_required
def complaint_detail(request, pk: int):
    try:
        complaint = selectors.complaint_detail(user=request.user, pk=pk)
    except Complaint.DoesNotExist:
        raise Http404 from None
    return render(request, "complaints/detail.html", {"complaint": complaint})
