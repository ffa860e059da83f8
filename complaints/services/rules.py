"""What may be done to a complaint now, and by whom: the rules the services enforce, written once.

An action on a complaint is possible when the user's role may do it (`_common.ACTION_ROLES`), the
complaint's status allows it (`_common.TRANSITIONS`), every state rule of the action holds
(`STATE_RULES`) and, for a few actions, the person may (`ACTOR_RULES`). The services raise on the
first refusal; the pages show the buttons of `allowed_actions(complaint, user)`, so a button is
never offered for an action its service would refuse for those reasons.

Rules that need a query (open work orders before resolving, three return visits) stay in their
service: the page still offers the action and the service explains the refusal.

A group case (群诉) has the same four tables of its own, at the end: CASE_TRANSITIONS (its status
path), CASE_STATE_RULES, CASE_ACTOR_RULES and, for its page, case_allowed_actions(case, user).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User

from ..models import Complaint, GroupCase, Severity, Status
from ._common import _SUPERVISORS, TRANSITIONS, _require_status, may

# A rule is about a complaint or a group case: each table holds the rules of one of them.
Subject = TypeVar("Subject", Complaint, GroupCase)


@dataclass(frozen=True)
class Rule(Generic[Subject]):
    """What must hold of the complaint (or group case); otherwise `message` (may name %(number)s) on `field`."""

    holds: Callable[[Subject], bool]
    field: str
    message: Promise


def _being_handled(complaint: Complaint) -> bool:
    return complaint.is_open and complaint.status != Status.RESOLVED


_OPEN: Rule[Complaint] = Rule(lambda complaint: complaint.is_open, "status", _("The complaint is closed."))

# Besides its status (TRANSITIONS), what the complaint must be for each action.
STATE_RULES: dict[str, tuple[Rule[Complaint], ...]] = {
    "link_customer": (
        Rule(
            lambda complaint: complaint.customer_id is None,
            "customer",
            _("This complaint is already on a customer's record."),
        ),
    ),
    "respond": (_OPEN,),
    "pause": (
        Rule(_being_handled, "status", _("Only a complaint being handled can be paused.")),
        Rule(lambda complaint: not complaint.is_paused, "status", _("The clock is already paused.")),
    ),
    "resume": (Rule(lambda complaint: complaint.is_paused, "status", _("The clock is not paused.")),),
    "major_report": (
        Rule(
            # A group complaint (群诉) is graver than a major one: it keeps the report it had as major.
            lambda complaint: complaint.severity in (Severity.MAJOR, Severity.GROUP),
            "severity",
            _("Only a major or group complaint takes a written report."),
        ),
    ),
    "group": (
        Rule(
            lambda complaint: complaint.is_open,
            "complaints",
            _("%(number)s is closed: only open complaints join a group case."),
        ),
        Rule(
            lambda complaint: complaint.group_case_id is None,
            "complaints",
            _("%(number)s is already in a group case."),
        ),
    ),
}


@dataclass(frozen=True)
class ActorRule(Generic[Subject]):
    """Who, among the roles that may, may act on this complaint (or group case); otherwise
    PermissionDenied(message)."""

    may: Callable[[Subject, User], bool]
    message: Promise


ACTOR_RULES: dict[str, ActorRule[Complaint]] = {
    "close": ActorRule(
        lambda complaint, user: complaint.severity != Severity.MAJOR or user.role in _SUPERVISORS,
        _("A supervisor closes major complaints."),
    ),
    "reclassify": ActorRule(
        lambda complaint, user: user.role in _SUPERVISORS or complaint.handler_id == user.pk,
        _("Only a supervisor or the complaint's handler may change its type, category or severity."),
    ),
}

# The actions on one complaint, in the order the complaint page offers them.
COMPLAINT_ACTIONS = (
    "dispatch",
    "respond",
    "agree_plan",
    "create_work_order",
    "resolve",
    "return_visit",
    "close",
    "reopen",
    "pause",
    "resume",
    "reclassify",
    "major_report",
    "note",
    "group",
    "improvement",
    "link_customer",
)


def state_refusal(complaint: Complaint, action: str) -> ValidationError | None:
    """Why the complaint's state refuses `action`, or None."""
    try:
        if action in TRANSITIONS:
            _require_status(complaint, action)
    except ValidationError as error:
        return error
    for rule in STATE_RULES.get(action, ()):
        if not rule.holds(complaint):
            return ValidationError({rule.field: str(rule.message) % {"number": complaint.number}})
    return None


def require_state(complaint: Complaint, action: str) -> None:
    refusal = state_refusal(complaint, action)
    if refusal is not None:
        raise refusal


def actor_may(complaint: Complaint, user: User, action: str) -> bool:
    rule = ACTOR_RULES.get(action)
    return rule is None or rule.may(complaint, user)


def require_actor(complaint: Complaint, user: User, action: str) -> None:
    if not actor_may(complaint, user, action):
        raise PermissionDenied(str(ACTOR_RULES[action].message))


def allowed_actions(complaint: Complaint, user: User) -> frozenset[str]:
    """The actions `user` may take on `complaint` now, by role, status, state and person."""
    return frozenset(
        action
        for action in COMPLAINT_ACTIONS
        if may(user, action)
        and actor_may(complaint, user, action)
        and state_refusal(complaint, action) is None
    )


# --- group cases (群诉) -------------------------------------------------------------------------------

CaseStatus = GroupCase.Status
# The case's path, open → handling (plan agreed) → resolved → closed: the statuses each action leaves
# from (the roles are _common.ACTION_ROLES', the same names) and, for those that move it, where to.
CASE_TRANSITIONS: dict[str, set[str]] = {
    "case_owner": {CaseStatus.OPEN, CaseStatus.HANDLING, CaseStatus.RESOLVED},
    "case_plan": {CaseStatus.OPEN, CaseStatus.HANDLING},
    "case_message": {CaseStatus.OPEN, CaseStatus.HANDLING, CaseStatus.RESOLVED},
    "case_crisis": {CaseStatus.OPEN, CaseStatus.HANDLING, CaseStatus.RESOLVED},
    "case_crisis_clear": set(CaseStatus.values),
    "case_resolve": {CaseStatus.HANDLING},
    "case_report": {CaseStatus.HANDLING, CaseStatus.RESOLVED},
    "case_close": {CaseStatus.RESOLVED},
    # A resolved or closed case whose cause comes back is handled again under its agreed plan.
    "case_reopen": {CaseStatus.RESOLVED, CaseStatus.CLOSED},
}
CASE_MOVES_TO: dict[str, str] = {
    "case_plan": CaseStatus.HANDLING,
    "case_resolve": CaseStatus.RESOLVED,
    "case_close": CaseStatus.CLOSED,
    "case_reopen": CaseStatus.HANDLING,
}

CASE_STATE_RULES: dict[str, tuple[Rule[GroupCase], ...]] = {
    "case_crisis": (
        Rule(lambda case: not case.is_crisis, "is_crisis", _("The case is already flagged as a crisis.")),
    ),
    "case_crisis_clear": (
        Rule(lambda case: case.is_crisis, "is_crisis", _("The case is not flagged as a crisis.")),
    ),
    "case_close": (
        Rule(
            lambda case: case.has_report,
            "report",
            _("A group case closes with its written report (cause, handling, lessons)."),
        ),
    ),
    # A complaint joining the case (complaint_join_group_case, group_case_link).
    "case_join": (
        Rule(
            lambda case: case.status in CaseStatus.joinable(),
            "group_case",
            _("This group case is resolved or closed: only a case still being handled takes complaints."),
        ),
    ),
}

CASE_ACTOR_RULES: dict[str, ActorRule[GroupCase]] = {
    # The heads were told of the crisis when it was flagged; they say when it is over.
    "case_crisis_clear": ActorRule(
        lambda case, user: user.role in (Role.GROUP_ADMIN, Role.CITY_HEAD),
        _("The city company head or a group administrator declares a crisis over."),
    ),
}

# The actions on a case, in the order its page offers them.
CASE_ACTIONS = (
    "case_owner",
    "case_plan",
    "case_message",
    "case_crisis",
    "case_crisis_clear",
    "case_resolve",
    "case_report",
    "case_close",
    "case_reopen",
)


def case_state_refusal(case: GroupCase, action: str) -> ValidationError | None:
    """Why the case's status or state refuses `action`, or None."""
    if action in CASE_TRANSITIONS and case.status not in CASE_TRANSITIONS[action]:
        return ValidationError(
            {
                "status": _("Not possible while the group case is “%(status)s”.")
                % {"status": case.get_status_display()}
            }
        )
    for rule in CASE_STATE_RULES.get(action, ()):
        if not rule.holds(case):
            return ValidationError({rule.field: str(rule.message)})
    return None


def require_case_state(case: GroupCase, action: str) -> None:
    refusal = case_state_refusal(case, action)
    if refusal is not None:
        raise refusal


def case_actor_may(case: GroupCase, user: User, action: str) -> bool:
    rule = CASE_ACTOR_RULES.get(action)
    return rule is None or rule.may(case, user)


def require_case_actor(case: GroupCase, user: User, action: str) -> None:
    if not case_actor_may(case, user, action):
        raise PermissionDenied(str(CASE_ACTOR_RULES[action].message))


def case_allowed_actions(case: GroupCase, user: User) -> frozenset[str]:
    """The actions `user` may take on `case` now, by role, status, state and person."""
    return frozenset(
        action
        for action in CASE_ACTIONS
        if may(user, action)
        and case_actor_may(case, user, action)
        and case_state_refusal(case, action) is None
    )
