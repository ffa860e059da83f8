"""The public sign-up page's write. Its answer on the page is the same whether the number was new or
already in the club, so the page cannot be used to learn who is a member; the text message to the
number (whose holder may know) says which: the new member number, or that they are a member already.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.outbox import OutgoingMessage, messages_enqueue

from ..models import EnrolmentChannel, Member
from .enrolment import AlreadyAMember, member_enrol


def _text(phone: str, kind: str, key: str, body: str, params: dict) -> OutgoingMessage:
    return OutgoingMessage(
        channel="sms",
        recipient=phone,
        kind=kind,
        idempotency_key=key,
        body=body,
        template_code=kind,
        template_params=params,
    )


@transaction.atomic
def member_join_public(**fields) -> Member | None:
    """Enrol from the public page (no staff member). Returns the new member, or None when the phone
    was a member's already (they get a text saying so, at most once a day). Other refusals (age,
    consent, a bad field) raise ValidationError for the form."""
    phone = fields["phone"]
    try:
        member = member_enrol(channel=EnrolmentChannel.PUBLIC, by=None, **fields)
    except AlreadyAMember as duplicate:
        existing = duplicate.member
        if existing is not None:
            day = timezone.localdate().isoformat()
            messages_enqueue(
                [
                    _text(
                        phone,
                        "club_already_member",
                        f"club-already-member.{existing.pk}.{day}",
                        _("You are already a member of the club (member no. %(number)s).")
                        % {"number": existing.number},
                        {"number": existing.number},
                    )
                ]
            )
        return None
    messages_enqueue(
        [
            _text(
                phone,
                "club_welcome",
                f"club-welcome.{member.pk}",
                _("Welcome to the club, %(name)s. Your member number is %(number)s.")
                % {"name": member.name, "number": member.number},
                {"name": member.name, "number": member.number},
            )
        ]
    )
    return member
