"""What an owner sees of a complaint on the public pages (/public/track/, /public/mine/): the promise of
each SLA clock in the owner's words, met / pending / overdue, and the history as plain steps.

The history is an allow-list. Only the kinds in PUBLIC_STEPS are shown, each with our own sentence,
never the event's note (notes are written for colleagues: the owner's mood, a suspicion, a contractor's
name) nor who acted; the only detail is the department a complaint went to. INTERNAL_KINDS names the
rest on purpose, and a test fails on a kind in neither, so that a new kind stays hidden until someone
decides how to tell the owner about it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from customers.models import CustomerPhone

from .models import Complaint, ComplaintEvent, PublicPhoneCode, SlaTarget, Status
from .sla import pending_targets

Kind = ComplaintEvent.Kind

PUBLIC_STEPS = {
    Kind.CREATED: _("We received your complaint"),
    Kind.DISPATCHED: _("Passed to the responsible department"),
    Kind.RESPONDED: _("We contacted you"),
    Kind.PLAN_AGREED: _("A solution was agreed with you"),
    Kind.WORK_ORDER: _("Work to fix the problem was arranged"),
    Kind.RESOLVED: _("The problem was resolved"),
    Kind.RETURN_VISIT: _("We tried to reach you to check that the problem is solved"),
    Kind.CLOSED: _("Closed"),
    Kind.REOPENED: _("Reopened: we are working on it again"),
    Kind.PAUSED: _("On hold while we wait for you"),
    Kind.RESUMED: _("We took it up again"),
}
# A step told differently when the event's data (never its note) has this key set.
STEP_VARIANTS = {
    Kind.WORK_ORDER: ("done", _("Part of the work was finished")),
    Kind.RETURN_VISIT: ("reached", _("We checked with you that the problem is solved")),
}
# The centre's own business: warnings and escalations, notes, group cases, reports, record matching.
INTERNAL_KINDS = frozenset(
    {
        Kind.SLA_WARNING,
        Kind.ESCALATED,
        Kind.GROUPED,
        Kind.NOTE,
        Kind.REPORT,
        Kind.CUSTOMER_LINKED,
        Kind.RECLASSIFIED,  # severity and category are the desk's words, not the owner's
        Kind.WORK_ORDER_WARNING,
        Kind.WORK_ORDER_ESCALATED,
        Kind.GROUP_MESSAGE,  # the owner has the message itself; the case behind it is the desk's
    }
)

PUBLIC_STATUS = {
    Status.RECEIVED: _("Received: we are finding the right people"),
    Status.DISPATCHED: _("Dispatched to the responsible department"),
    Status.PLAN_AGREED: _("A solution is agreed"),
    Status.IN_PROGRESS: _("Work is in progress"),
    Status.RESOLVED: _("Resolved: we will check with you"),
    Status.CLOSED: _("Closed"),
    Status.REOPENED: _("Reopened: we are working on it again"),
}

# The three promises, in the order they are measured: (title, promise while pending, when late, when kept).
PROMISE_TEXTS = {
    SlaTarget.FIRST_RESPONSE: (
        _("First contact"),
        _("We promise to contact you by %(due)s."),
        _("We promised to contact you by %(due)s and are late. Sorry: we are on it."),
        _("We contacted you on %(done)s."),
    ),
    SlaTarget.PLAN: (
        _("A solution"),
        _("We promise to agree a solution with you by %(due)s."),
        _("We promised to agree a solution with you by %(due)s and are late. Sorry: we are on it."),
        _("We agreed a solution with you on %(done)s."),
    ),
    SlaTarget.RESOLUTION: (
        _("The fix"),
        _("We promise to resolve the problem by %(due)s."),
        _("We promised to resolve the problem by %(due)s and are late. Sorry: we are on it."),
        _("The problem was resolved on %(done)s."),
    ),
}

# What the pages read of a complaint: the promises and the status, nothing written by staff.
CASE_FIELDS = (
    "id",
    "number",
    "status",
    "received_at",
    "first_response_due_at",
    "plan_due_at",
    "resolution_due_at",
    "first_responded_at",
    "plan_agreed_at",
    "resolved_at",
    "paused_at",
)


def _when(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


@dataclass(frozen=True)
class Promise:
    target: str
    title: str
    state: str  # met | pending | overdue | paused
    text: str
    due_at: datetime.datetime | None
    done_at: datetime.datetime | None = None

    @property
    def kept_late(self) -> bool:
        return self.state == "met" and bool(self.due_at and self.done_at and self.done_at > self.due_at)


def _done_at(complaint: Complaint, target: str) -> datetime.datetime | None:
    return {
        SlaTarget.FIRST_RESPONSE: complaint.first_responded_at,
        SlaTarget.PLAN: complaint.plan_agreed_at,
        SlaTarget.RESOLUTION: complaint.resolved_at,
    }[target]


def owner_promises(complaint: Complaint, now: datetime.datetime) -> list[Promise]:
    """Each clock's promise. A paused case's pending promises are on hold (their times move on by the
    pause when it ends); one neither pending nor kept (closed without it) is left out."""
    pending = set(pending_targets(complaint))
    promises = []
    for target, (title, promise, late, kept) in PROMISE_TEXTS.items():
        due, done = complaint.due_at_for(target), _done_at(complaint, target)
        if target in pending and due is not None:
            if complaint.is_paused:
                state, text = "paused", promise
            else:
                state, text = ("overdue", late) if now >= due else ("pending", promise)
            promises.append(Promise(target, title, state, text % {"due": _when(due)}, due))
        elif target not in pending and done is not None:
            promises.append(Promise(target, title, "met", kept % {"done": _when(done)}, due, done))
    return promises


def owner_history(complaint: Complaint) -> list[dict]:
    """The complaint's public steps, oldest first ({label, at, detail}): one query, reading no note and
    no actor."""
    events = (
        ComplaintEvent.objects.filter(complaint_id=complaint.pk, kind__in=PUBLIC_STEPS)
        .order_by("created_at", "id")
        .values("kind", "data", "created_at")
    )
    steps = []
    for event in events:
        kind, data = event["kind"], event["data"] or {}
        label = PUBLIC_STEPS[kind]
        key, variant = STEP_VARIANTS.get(kind, ("", None))
        if key and data.get(key):
            label = variant
        detail = ""
        if kind == Kind.DISPATCHED and data.get("department") in Department.values:
            detail = Department(data["department"]).label
        steps.append({"label": label, "at": event["created_at"], "detail": detail})
    return steps


@dataclass(frozen=True)
class OwnerCase:
    complaint: Complaint
    status: str
    promises: list[Promise]
    steps: list[dict]

    @property
    def next_promise(self) -> Promise | None:
        return next((p for p in self.promises if p.state != "met"), None)


def owner_case(complaint: Complaint, *, now: datetime.datetime, with_history: bool = True) -> OwnerCase:
    """A complaint as its owner sees it (the list leaves the history out: no query per row)."""
    return OwnerCase(
        complaint=complaint,
        status=PUBLIC_STATUS.get(complaint.status, ""),
        promises=owner_promises(complaint, now),
        steps=owner_history(complaint) if with_history else [],
    )


# --- reads of the owner's pages -----------------------------------------------------------------------


def owner_complaints(phone: str) -> QuerySet[Complaint]:
    """The complaints on every customer record that has this (code-confirmed) phone, in any city company,
    newest first. A complaint that only names the phone as its contact given on the public form is not
    among them until an agent puts it on the record: anyone may type any phone on that form."""
    customers = CustomerPhone.objects.filter(number=phone).values("customer_id")
    return (
        Complaint.objects.filter(customer__in=customers)
        .select_related("project", "category")
        .only(*CASE_FIELDS, "project__name", "category__name")
        .order_by("-id")
    )


def confirmed_phone(code_id: int | None) -> str | None:
    """The phone of a spent one-time code: what an owner's session proves."""
    if not isinstance(code_id, int):
        return None
    return (
        PublicPhoneCode.objects.filter(pk=code_id, used_at__isnull=False)
        .values_list("phone", flat=True)
        .first()
    )


def pending_code_phone(code_id: int | None) -> str | None:
    """The phone a code not entered yet was sent to."""
    if not isinstance(code_id, int):
        return None
    return (
        PublicPhoneCode.objects.filter(pk=code_id, used_at__isnull=True)
        .values_list("phone", flat=True)
        .first()
    )
