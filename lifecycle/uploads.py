"""The registers' upload folders, registered with the kernel's media view (core.media)."""

from __future__ import annotations

from .models import Acknowledgement, Commitment, RedLinePhoto
from .permissions import may_view_registers


def may_read_commitment_evidence(user, name: str) -> bool:
    return may_view_registers(user) and Commitment.objects.visible_to(user).filter(evidence=name).exists()


def may_read_red_line_photo(user, name: str) -> bool:
    return may_view_registers(user) and RedLinePhoto.objects.visible_to(user).filter(image=name).exists()


def may_read_signed_acknowledgement(user, name: str) -> bool:
    return (
        may_view_registers(user)
        and Acknowledgement.objects.visible_to(user).filter(signed_file=name).exists()
    )
