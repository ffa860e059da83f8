"""The club (万客会): members and consents, care tasks, the points ledger and benefits, referrals and
purchase intentions, events and registrations."""

from .events import Event, Registration, new_registration_token
from .growth import PurchaseIntention, Referral
from .invitations import EventInvitation, InvitationRound
from .members import CareTask, Consent, EnrolmentChannel, Interest, Member, Tier
from .points import Benefit, PointsEntry, Redemption
from .purchases import ClubMonth, ClubPurchase
from .records import MemberDataAccess, MemberNumberSequence

__all__ = [
    "Benefit",
    "CareTask",
    "ClubMonth",
    "ClubPurchase",
    "Consent",
    "EnrolmentChannel",
    "Event",
    "EventInvitation",
    "Interest",
    "InvitationRound",
    "Member",
    "MemberDataAccess",
    "MemberNumberSequence",
    "PointsEntry",
    "PurchaseIntention",
    "Redemption",
    "Referral",
    "Registration",
    "Tier",
    "new_registration_token",
]
