"""The handover desk's upload folders, registered with the kernel's media view (core.media)."""

from __future__ import annotations

from .models import Defect, DefectPhoto, FloorPlan, Handover


def may_read_defect_photo(user, name: str) -> bool:
    return DefectPhoto.objects.filter(
        image=name, defect__in=Defect.objects.visible_to(user).values("pk")
    ).exists()


def may_read_signature(user, name: str) -> bool:
    return Handover.objects.visible_to(user).filter(signature=name).exists()


def may_read_floor_plan(user, name: str) -> bool:
    return FloorPlan.objects.visible_to(user).filter(image=name).exists()
