"""The complaint desk's upload folders, registered with the kernel's media view (core.media)."""

from __future__ import annotations

from .models import Attachment, Complaint, WorkOrder, WorkOrderNote


def may_read_complaint_attachment(user, name: str) -> bool:
    return Attachment.objects.filter(
        file=name, complaint__in=Complaint.objects.visible_to(user).values("pk")
    ).exists()


def complaint_attachment_original_name(name: str) -> str | None:
    return Attachment.objects.filter(file=name).values_list("original_name", flat=True).first()


def may_read_work_order_photo(user, name: str) -> bool:
    return WorkOrderNote.objects.filter(
        photo=name, work_order__in=WorkOrder.objects.visible_to(user).values("pk")
    ).exists()
