"""A test-only source of measures for the reports' tests: known numbers per project, registered for one
test and gone after it (the registered sources are process-wide)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboards.measures import base
from dashboards.measures.base import Breakdown, BreakdownRow, Measure, Ratio, Source, Unit

HANDLED = Measure(key="testdesk.handled", label="Cases handled", unit=Unit.COUNT, decimals=0, better=None)
ON_TIME = Measure(key="testdesk.on_time", label="Answered on time", unit=Unit.PERCENT, decimals=1)
HOURS = Measure(
    key="testdesk.hours", label="Mean time to close", unit=Unit.AVERAGE, suffix="h", better="lower"
)
OPEN = Measure(key="testdesk.open", label="Open now", unit=Unit.COUNT, decimals=0, better=None, snapshot=True)


@dataclass
class FakeDesk:
    """Per project id: (current, previous) ratios of each measure; calls of compute are recorded."""

    cells: dict[int, dict[str, tuple[Ratio, Ratio]]] = field(default_factory=dict)
    calls: list[tuple] = field(default_factory=list)
    recording: bool = True

    def compute(self, project_ids, periods, fresh):
        self.calls.append((project_ids, len(periods), fresh))
        current, previous = len(periods) - 1, len(periods) - 2
        result: dict[str, dict] = {}
        for project_id, measures in self.cells.items():
            if project_ids is not None and project_id not in project_ids:
                continue
            for key, (now, before) in measures.items():
                result.setdefault(key, {})[(current, project_id)] = now
                if key != OPEN.key:
                    result[key][(previous, project_id)] = before
        return result

    def breakdowns(self, project_ids, period, fresh):
        return [
            Breakdown(
                key="testdesk.top_causes",
                title="Top causes",
                columns=("Cause", "Cases", "Share"),
                rows=(
                    BreakdownRow('=HYPERLINK("http://x")', (12, 0.5)),  # text that looks like a formula
                    BreakdownRow("渗漏", (9, 0.375)),
                ),
            )
        ]


def register_fake_desk(monkeypatch) -> FakeDesk:
    """Register the test desk's source for the running test (monkeypatch takes it away after)."""
    desk = FakeDesk()
    source = Source(
        key="testdesk",
        panel_label="Test desk",
        order=5,
        measures=[HANDLED, ON_TIME, HOURS, OPEN],
        compute=desk.compute,
        is_recording=lambda: desk.recording,
        breakdowns=desk.breakdowns,
    )
    monkeypatch.setitem(base._SOURCES, source.key, source)  # unregistered when the test ends
    return desk
