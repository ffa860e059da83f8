"""The board's two-character words on PostgreSQL (`?q=渗水`): read from the index of the open
complaints' pairs of characters, keyed by project (migration complaints.0018), not by reading every
open complaint.

pg_trgm finds no trigram in two characters, so the trigram indexes cannot narrow `渗水`, and
PostgreSQL walked all the group's open complaints (complaint_open_by_id, whose id order it takes for
the heap's) to count a city head's few: 10M, 400–860 ms. A word of two characters is a substring
exactly when it is one of the text's pairs, so `complaint_project_pairs(…) && {1:渗水, 2:渗水, …}` (one
key per project the board can show) is the same test as the `icontains` of
complaints.selectors.text_condition, answered by the index. Closed complaints are not in that index
(the board with another status than open keeps `icontains`), nor is SQLite (no GIN: LIKE scans).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import Overlap
from django.db import connection
from django.db.models import F, Func, Q, TextField, Value
from django.db.models.functions import Cast

from accounts.models import Role
from properties.selectors import projects_by_id

from .models import Status

PAIR_LENGTH = 2
# A two-character word is looked for in at most this many projects at once (the board's form says so).
# Its cost is the matches' rows: a word every complaint holds, in a city head's 10 projects at 10M,
# reads 13,800 (20–80 ms); in the group's 200, PostgreSQL gave up the index for a scan of the table
# that computed every open complaint's pairs (48 s).
PAIR_PROJECT_LIMIT = 20


class ProjectPairs(Func):
    """The index's expression, written as the migration wrote it (the planner matches it exactly)."""

    function = "complaint_project_pairs"
    output_field = ArrayField(TextField())


def pairs_apply(filters: dict, user) -> bool:
    """Whether the board's `q` is read from the pairs' index: PostgreSQL, two characters, open
    complaints, at most PAIR_PROJECT_LIMIT projects (more: `icontains`, as before; the board's form
    refuses it, the API list keeps it)."""
    text = (filters.get("q") or "").strip()
    return (
        connection.vendor == "postgresql"
        and filters.get("status") == "open"
        and len(text) == PAIR_LENGTH
        and not too_many_projects(text, user, filters.get("project"))
    )


def scope_projects(user, project=None) -> set[int]:
    """The projects the board can show the user: their scope's, or the one project filtered on."""
    scope = user.scope
    projects = set(projects_by_id()) if scope.is_unrestricted else set(scope.project_ids)
    if project not in (None, ""):
        projects &= {int(getattr(project, "pk", project))}
    return projects


def too_many_projects(text: str | None, user, project=None) -> bool:
    """Whether a two-character word would be looked for in more than PAIR_PROJECT_LIMIT projects (on
    every database, so that the board answers the same everywhere)."""
    if len((text or "").strip()) != PAIR_LENGTH:
        return False
    return len(scope_projects(user, project)) > PAIR_PROJECT_LIMIT


def pairs_condition(text: str, user, project=None) -> Q:
    """The open complaints of the user's projects (of `project`, when the board is filtered by one)
    whose subject or description holds the two characters `text`, in any case. No number has two
    characters, so the number's test of text_condition is left out."""
    word = text.strip().upper()
    keys = Value(
        [f"{pk}:{word}" for pk in sorted(scope_projects(user, project))], output_field=ArrayField(TextField())
    )
    return Q(Overlap(ProjectPairs(F("project_id"), Cast(F("title"), TextField()), F("description")), keys))


def board_condition(filters: dict, user, text_condition) -> Q:
    """The board's `q` (complaints.selectors.complaints_matching): the pairs' index for two characters
    among open complaints on PostgreSQL, else `text_condition` (number, `icontains`)."""
    if pairs_apply(filters, user):
        return pairs_condition(filters["q"], user, filters.get("project"))
    return text_condition(filters["q"])


def counted(complaints_matching, user, filters: dict):
    """What the counters count (complaints.selectors.sla_counters passes its complaints_matching): the
    complaints of the board's other filters holding the pairs, read from the pairs' index alone. Open
    is written `status <> 'closed'`, the index's own condition, which the board's other partial indexes
    (`status IN (…open…)`) do not serve; the scope and the project filter are the keys' projects, not
    a `project_id` condition too (visible_to's), which the planner ANDed with the project's whole
    index (10M: 600,000 entries, 70–100 ms). Without this, PostgreSQL took complaint_open_by_due for a
    common word and computed the pairs of each open complaint of the scope (10M: 250–600 ms). A
    contractor's or department's scope is more than projects: visible_to stays."""
    scoped = user.role in (Role.CONTRACTOR, Role.DEPARTMENT_STAFF)
    others = {**filters, "status": "all", "q": None, "project": None}
    condition = pairs_condition(filters["q"], user, filters.get("project"))
    complaints = complaints_matching(user=user, filters=others, scoped=scoped)
    return complaints.exclude(status=Status.CLOSED).filter(condition)
