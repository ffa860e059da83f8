"""Excel export of defects (openpyxl, write-only: rows go to disk as they are read, not into memory)."""

from __future__ import annotations

import datetime
import tempfile

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from core.excel import append_row

from .deadlines import defect_deadline_state
from .models import Defect, DefectPhoto

# Above this the export is refused with a message: narrow the filters (Excel opens ~1M rows, slowly).
MAX_EXPORT_ROWS = 50_000
CHUNK = 2000

DEADLINE_LABELS = {
    "on_time": gettext_lazy("On time"),
    "warning": gettext_lazy("Warning"),
    "overdue": gettext_lazy("Overdue"),
    "stopped": "",
}


def _local(moment: datetime.datetime | None):
    # Excel has no time zones: write local (Asia/Shanghai) wall time.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _columns() -> list[tuple[str, object]]:
    return [
        (_("Number"), lambda d: d.number),
        (_("Project"), lambda d: d.project.name),
        (_("Building"), lambda d: d.unit.building.number),
        (_("Unit"), lambda d: d.unit.code),
        (_("Room"), lambda d: d.get_room_display()),
        (_("Location"), lambda d: d.location),
        (_("Trade"), lambda d: d.get_trade_display()),
        (_("Severity"), lambda d: d.get_severity_display()),
        (_("Description"), lambda d: d.description),
        (_("Contractor"), lambda d: d.contractor.name if d.contractor_id else ""),
        (_("Rectification order"), lambda d: d.order.number if d.order_id else ""),
        (_("Status"), lambda d: d.get_status_display()),
        (_("Deadline"), lambda d: str(DEADLINE_LABELS[defect_deadline_state(d, d._now)])),
        (_("Found at"), lambda d: _local(d.found_at)),
        (_("Due"), lambda d: _local(d.due_at)),
        (_("Fixed at"), lambda d: _local(d.fixed_at)),
        (_("Verified at"), lambda d: _local(d.verified_at)),
        (_("Accepted at"), lambda d: _local(d.accepted_at)),
        (_("Times rejected"), lambda d: d.rework_count),
        (_("Reported after handover"), lambda d: _("yes") if d.after_handover else ""),
        (_("Complaint"), lambda d: d.complaint.number if d.complaint_id else ""),
        (_("Photos"), lambda d: d.photo_count),
    ]


def defects_for_export(defects: QuerySet[Defect]) -> QuerySet[Defect]:
    photos = (
        DefectPhoto.objects.filter(defect=OuterRef("pk")).order_by().values("defect").annotate(n=Count("pk"))
    )
    return defects.select_related("complaint").annotate(
        photo_count=Coalesce(Subquery(photos.values("n")[:1]), 0)
    )


def too_many_to_export(defects: QuerySet[Defect]) -> bool:
    return defects.order_by().values("pk")[: MAX_EXPORT_ROWS + 1].count() > MAX_EXPORT_ROWS


def write_defects_workbook(defects: QuerySet[Defect], stream) -> int:
    """Write the defects as an .xlsx into `stream`; returns the number of rows."""
    columns = _columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Defects"))
    sheet.freeze_panes = "A2"
    append_row(sheet, [str(title) for title, _getter in columns], font=Font(bold=True))
    now = timezone.now()
    rows = 0
    for defect in defects_for_export(defects).iterator(chunk_size=CHUNK):
        defect._now = now
        # Descriptions and locations are typed by staff and contractors: text stays text.
        append_row(sheet, [getter(defect) for _title, getter in columns])
        rows += 1
    workbook.save(stream)
    return rows


def defects_xlsx_response(defects: QuerySet[Defect], filename: str) -> FileResponse:
    """The workbook as a download, streamed from a temporary file in chunks."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the download ends
    write_defects_workbook(defects, spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
