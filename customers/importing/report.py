"""What an import reports: the errors by row and the rows created or updated, as JSON for its job."""

from __future__ import annotations

import dataclasses
from collections import Counter

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_REPORTED_ERRORS = 1000


@dataclasses.dataclass(frozen=True)
class RowError:
    row: int  # the Excel row number; the header is row 1
    column: str  # the header as written in the file, or "" for the whole row
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)s, %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


COUNTED = {
    "projects": gettext_lazy("projects"),
    "phases": gettext_lazy("phases"),
    "buildings": gettext_lazy("buildings"),
    "units": gettext_lazy("units"),
    "customers": gettext_lazy("customers"),
    "phones": gettext_lazy("phone numbers"),
    "household_members": gettext_lazy("household members"),
    "contracts": gettext_lazy("contracts"),
}


@dataclasses.dataclass
class ImportResult:
    dry_run: bool
    rows: int = 0
    created: Counter = dataclasses.field(default_factory=Counter)
    updated: Counter = dataclasses.field(default_factory=Counter)
    errors: list[RowError] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    errors_total: int | None = None  # when the report keeps only the first MAX_REPORTED_ERRORS

    def summary_rows(self) -> list[tuple[str, int, int]]:
        """(label, created, updated) per kind of row, in hierarchy order, for the report."""
        return [(str(label), self.created[key], self.updated[key]) for key, label in COUNTED.items()]

    @property
    def error_count(self) -> int:
        return self.errors_total if self.errors_total is not None else len(self.errors)

    def to_report(self) -> dict:
        """JSON for ImportJob.report (the first MAX_REPORTED_ERRORS errors, and their total)."""
        return {
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": dict(self.created),
            "updated": dict(self.updated),
            "errors": [[e.row, e.column, e.message] for e in self.errors[:MAX_REPORTED_ERRORS]],
            "errors_total": len(self.errors),
        }

    @classmethod
    def from_report(cls, report: dict) -> ImportResult:
        return cls(
            dry_run=report.get("dry_run", True),
            rows=report.get("rows", 0),
            created=Counter(report.get("created", {})),
            updated=Counter(report.get("updated", {})),
            errors=[RowError(row, column, message) for row, column, message in report.get("errors", [])],
            errors_total=report.get("errors_total"),
        )
