"""The metrics API (/api/v1/metrics/…): the dashboards' figures for BI tools, the same numbers as the page
(both come from dashboard_panels), on the user's scope, with the page's period parameters.

A test-only source (registered by a fixture) gives figures known in advance, per project and period;
the real complaints source is compared with dashboard_panels on hand-made complaints."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from dashboards.measures import base
from dashboards.measures.base import (
    Breakdown,
    BreakdownRow,
    Measure,
    Ratio,
    Source,
    Unit,
    period_from_params,
    registered_sources,
)
from dashboards.measures.engine import dashboard_panels, scope_from_params
from tests.api import client_for
from tests.dashboards.metrics_data import make_complaint
from tests.factories import ProjectFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

ON = datetime.date(2025, 6, 18)  # June 2025; the previous month is May
PARAMS = {"period": "month", "on": ON.isoformat()}

CALLS = []
DONE = Measure(key="test.done", label="Done", unit=Unit.COUNT, decimals=0, help_text="Things done.")
ON_TIME = Measure(
    key="test.on_time",
    label="On time",
    unit=Unit.PERCENT,
    drill_url=lambda scope, period: "/things/?" + "&".join(f"{k}={v}" for k, v in scope.query().items()),
)
OPEN_NOW = Measure(key="test.open_now", label="Open now", unit=Unit.COUNT, snapshot=True, better="lower")


@pytest.fixture
def layout(city, project, other_project):
    """Two projects in 深圳公司 (四季花城, 东海岸), one in 武汉公司 (金口花园)."""
    return {
        "sjhc": project,
        "dha": ProjectFactory(city_company=city, code="dha", name="东海岸"),
        "jk": other_project,
    }


@pytest.fixture
def test_source(layout, monkeypatch):
    """Per project: done = 10/20/30 this month and 1/2/3 the month before; on time = 8 of 10, 15 of 20,
    30 of 30 this month, 1 of 2 everywhere the month before; open now 4/5/6."""
    sjhc, dha, jk = (layout[k].pk for k in ("sjhc", "dha", "jk"))

    def compute(project_ids, periods, fresh):
        CALLS.append((project_ids, len(periods), fresh))
        current, previous = len(periods) - 1, len(periods) - 2
        result = {
            DONE.key: {
                (current, sjhc): Ratio(10, 1),
                (current, dha): Ratio(20, 1),
                (current, jk): Ratio(30, 1),
                (previous, sjhc): Ratio(1, 1),
                (previous, dha): Ratio(2, 1),
                (previous, jk): Ratio(3, 1),
                (0, jk): Ratio(7, 1),
            },
            ON_TIME.key: {
                (current, sjhc): Ratio(8, 10),
                (current, dha): Ratio(15, 20),
                (current, jk): Ratio(30, 30),
                (previous, sjhc): Ratio(1, 2),
                (previous, dha): Ratio(1, 2),
                (previous, jk): Ratio(1, 2),
            },
            OPEN_NOW.key: {
                (current, sjhc): Ratio(4, 1),
                (current, dha): Ratio(5, 1),
                (current, jk): Ratio(6, 1),
            },
        }
        if project_ids is not None:  # as a real source: only the projects asked for
            result = {
                key: {c: r for c, r in cells.items() if c[1] in project_ids} for key, cells in result.items()
            }
        return result

    def breakdowns(project_ids, period, fresh):
        rows = [BreakdownRow("漏水", (3, 42.5), "/things/?category=leak"), BreakdownRow("噪音", (1, None))]
        return [Breakdown("test.top", "Top things", ("Count", "Share %"), tuple(rows))]

    source = Source(
        key="test",
        panel_label="Test panel",
        order=999,
        measures=[DONE, ON_TIME, OPEN_NOW],
        compute=compute,
        breakdowns=breakdowns,
        note="Counted for the tests.",
    )
    monkeypatch.setitem(base._SOURCES, "test", source)
    CALLS.clear()
    return source


@pytest.fixture
def silent_source(monkeypatch):
    source = Source(
        key="silent",
        panel_label="Not yet",
        order=998,
        measures=[Measure(key="silent.things", label="Things", unit=Unit.COUNT)],
        compute=lambda *args: pytest.fail("a source that records nothing is not computed"),
        is_recording=lambda: False,
    )
    monkeypatch.setitem(base._SOURCES, "silent", source)
    return source


def get(user, name, *args, **params):
    return client_for(user).get(reverse(name, args=args), params)


def metric(user, key, **params):
    return get(user, "metric-detail", key, **{**PARAMS, **params})


# --- the list of measures -------------------------------------------------------------------------


def test_the_list_names_every_registered_measure_with_its_unit_and_panel(
    group_admin, test_source, silent_source
):
    response = get(group_admin, "metric-list")
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.json()}
    assert set(rows) == {m.key for s in registered_sources() for m in s.measures}
    assert "complaints.received" in rows
    assert rows["test.on_time"] == {
        "key": "test.on_time",
        "label": "On time",
        "unit": "percent",
        "scale": 1,
        "decimals": 1,
        "suffix": "",
        "better": "higher",
        "snapshot": False,
        "help_text": "",
        "source": {
            "key": "test",
            "label": "Test panel",
            "recording": True,
            "freshness": "live",
            "refreshed_at": None,
            "note": "Counted for the tests.",
        },
    }
    assert rows["test.open_now"]["snapshot"] is True and rows["test.open_now"]["better"] == "lower"
    assert rows["silent.things"]["source"]["recording"] is False


# --- one measure: the group, a city, a project -----------------------------------------------------


def test_a_count_on_the_group_with_change_trend_and_a_row_per_city(group_admin, test_source, layout):
    response = metric(group_admin, "test.done")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["value"], body["previous"], body["change"]) == (60, 6, 54)
    assert body["numerator"] == 60
    assert body["recording"] is True and body["fresh"] is False
    assert body["period"] == {"kind": "month", "start": "2025-06-01", "end": "2025-06-30", "label": "2025-06"}
    assert body["previous_period"] == {
        "kind": "month",
        "start": "2025-05-01",
        "end": "2025-05-31",
        "label": "2025-05",
    }
    assert body["scope"] == {"level": "group", "city": None, "project": None, "label": "Group"}
    trend = body["trend"]
    assert len(trend) == 12
    assert trend[0] == {"label": "2024-07", "start": "2024-07-01", "end": "2024-07-31", "value": 7}
    assert [point["value"] for point in trend[-3:]] == [0, 6, 60]
    rows = {row["label"]: row for row in body["children"]}
    assert set(rows) == {"深圳公司", "武汉公司"}
    assert rows["深圳公司"]["level"] == "city" and rows["深圳公司"]["city"] == layout["sjhc"].city_company_id
    assert (rows["深圳公司"]["value"], rows["深圳公司"]["previous"], rows["深圳公司"]["change"]) == (
        30,
        3,
        27,
    )
    assert rows["武汉公司"]["value"] == 30
    assert rows["武汉公司"]["project"] is None
    assert CALLS == [(None, 12, False)]  # one compute, for the whole estate


def test_a_percent_adds_numerators_and_denominators_per_scope(group_admin, test_source, layout, city):
    body = metric(group_admin, "test.on_time").json()
    assert body["value"] == pytest.approx(53 / 60 * 100)
    assert (body["numerator"], body["denominator"]) == (53, 60)
    assert body["previous"] == pytest.approx(50.0)
    assert body["change"] == pytest.approx(53 / 60 * 100 - 50)
    assert body["drill_url"] == "http://testserver/things/?"
    city_body = metric(group_admin, "test.on_time", city=city.pk).json()
    assert city_body["scope"] == {"level": "city", "city": city.pk, "project": None, "label": "深圳公司"}
    assert city_body["value"] == pytest.approx(23 / 30 * 100)
    assert city_body["drill_url"] == f"http://testserver/things/?city={city.pk}"
    rows = {row["label"]: row for row in city_body["children"]}
    assert set(rows) == {"四季花城", "东海岸"}
    sjhc = rows["四季花城"]
    assert (sjhc["level"], sjhc["project"], sjhc["city"]) == ("project", layout["sjhc"].pk, city.pk)
    assert sjhc["value"] == pytest.approx(80.0) and sjhc["previous"] == pytest.approx(50.0)
    assert sjhc["drill_url"] == f"http://testserver/things/?project={layout['sjhc'].pk}"


def test_a_project_has_its_own_figures_and_no_rows(group_admin, test_source, layout):
    body = metric(group_admin, "test.done", project=layout["dha"].pk).json()
    assert body["scope"]["level"] == "project" and body["scope"]["project"] == layout["dha"].pk
    assert (body["value"], body["previous"]) == (20, 2)
    assert body["children"] == []


def test_a_snapshot_has_no_previous_and_no_trend(group_admin, test_source):
    body = metric(group_admin, "test.open_now").json()
    assert body["value"] == 15
    assert body["previous"] is None and body["change"] is None
    assert body["previous_period"] is None and body["trend"] == []
    assert [row["previous"] for row in body["children"]] == [None, None]


def test_a_custom_range_and_a_week(group_admin, test_source):
    body = metric(group_admin, "test.done", period="custom", start="2025-03-01", end="2025-03-10").json()
    assert body["period"] == {
        "kind": "custom",
        "start": "2025-03-01",
        "end": "2025-03-10",
        "label": "2025-03-01 – 2025-03-10",
    }
    assert body["previous_period"]["start"] == "2025-02-19" and body["previous_period"]["end"] == "2025-02-28"
    week = metric(group_admin, "test.done", period="week", on="2025-06-18").json()["period"]
    assert (week["start"], week["end"]) == ("2025-06-16", "2025-06-22")  # Monday to Sunday


def test_fresh_asks_the_source_to_count_anew(group_admin, test_source):
    assert metric(group_admin, "test.done", fresh="true").json()["fresh"] is True
    assert CALLS[-1][2] is True


def test_a_source_that_records_nothing_yet_says_so_instead_of_zeros(group_admin, silent_source):
    body = metric(group_admin, "silent.things").json()
    assert body["recording"] is False and body["measure"]["source"]["recording"] is False
    assert body["value"] is None and body["trend"] == [] and body["children"] == []


# --- the same numbers as the page -------------------------------------------------------------------


def _figures(user, params):
    period = period_from_params(params)
    scope = scope_from_params(user, params)
    return {
        figure.measure.key: (figure, panel)
        for panel in dashboard_panels(user, scope, period)
        if panel.recording
        for figure in panel.figures
    }, period


@pytest.mark.parametrize("level", ["group", "city", "project"])
def test_every_measure_equals_the_pages_figure(group_admin, test_source, layout, city, owned_unit, level):
    """dashboard_panels is what the page, the Excel export and the reports show: the API gives the same
    value, previous, trend and rows for every registered measure (the complaints source on real
    complaints, and whatever other sources are registered)."""
    other_unit = UnitFactory(building__project=layout["jk"])
    at = [
        (owned_unit, datetime.datetime(2025, 6, 18, 10)),
        (owned_unit, datetime.datetime(2025, 6, 1, 0, 30)),
        (owned_unit, datetime.datetime(2025, 5, 31, 23, 30)),  # the previous month
        (other_unit, datetime.datetime(2025, 6, 2, 9)),
        (other_unit, datetime.datetime(2024, 5, 1, 9)),  # before the trend's first month
    ]
    for unit, moment in at:
        make_complaint(unit, timezone.make_aware(moment))
    params = dict(PARAMS)
    if level == "city":
        params["city"] = str(city.pk)
    elif level == "project":
        params["project"] = str(owned_unit.project.pk)
    figures, period = _figures(group_admin, params)
    assert "complaints.received" in figures and "test.done" in figures
    for key, (figure, panel) in figures.items():
        body = get(group_admin, "metric-detail", key, **params).json()
        assert body["value"] == figure.value, key
        assert body["previous"] == figure.previous, key
        assert body["change"] == figure.change, key
        assert [point["value"] for point in body["trend"]] == figure.trend, key
        index = panel.source.measures.index(figure.measure)
        page_rows = [(child.label, figures_[index].value) for child, figures_ in panel.rows]
        assert [(row["label"], row["value"]) for row in body["children"]] == page_rows, key


def test_complaints_received_counts_the_periods_local_days(group_admin, layout, owned_unit):
    other_unit = UnitFactory(building__project=layout["jk"])
    for unit, moment in [
        (owned_unit, datetime.datetime(2025, 6, 30, 23, 50)),
        (owned_unit, datetime.datetime(2025, 6, 1, 0, 10)),
        (owned_unit, datetime.datetime(2025, 5, 31, 23, 50)),
        (other_unit, datetime.datetime(2025, 6, 2, 9)),
    ]:
        make_complaint(unit, timezone.make_aware(moment))  # Asia/Shanghai wall time
    body = metric(group_admin, "complaints.received").json()
    assert (body["value"], body["previous"]) == (3, 1)
    assert {row["label"]: row["value"] for row in body["children"]} == {"深圳公司": 2, "武汉公司": 1}
    project = metric(group_admin, "complaints.received", project=owned_unit.project.pk).json()
    assert (project["value"], project["previous"]) == (2, 1)


# --- scope, roles and bad input ----------------------------------------------------------------------


def test_a_city_head_sees_their_city_and_never_another(city_head, test_source, city, other_city, layout):
    body = metric(city_head, "test.done").json()
    assert body["scope"]["level"] == "city" and body["scope"]["city"] == city.pk
    assert body["value"] == 30  # 武汉's 30 are not counted
    assert {row["label"] for row in body["children"]} == {"四季花城", "东海岸"}
    assert metric(city_head, "test.done", city=other_city.pk).status_code == 403
    assert metric(city_head, "test.done", project=layout["jk"].pk).status_code == 403
    assert get(city_head, "metric-breakdown-list", city=other_city.pk).status_code == 403
    assert metric(city_head, "test.done", city=999999).status_code == 403


def test_a_supervisor_sees_their_project(supervisor, test_source, project):
    body = metric(supervisor, "test.done").json()
    assert body["scope"]["project"] == project.pk and body["value"] == 10


@pytest.mark.parametrize("role", [Role.CS_AGENT, Role.CONTRACTOR, Role.DELIVERY_ENGINEER])
def test_roles_without_dashboards_are_refused(project, test_source, role):
    user = UserFactory(username=f"u-{role}", role=role, projects=[project])
    for response in (get(user, "metric-list"), metric(user, "test.done"), get(user, "metric-breakdown-list")):
        assert response.status_code == 403
    assert metric(user, "nothing.here").status_code == 403  # no hint which keys exist


def test_anonymous_is_refused(api_client, test_source):
    assert api_client.get(reverse("metric-detail", args=["test.done"])).status_code in (401, 403)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "fortnight"}, "period"),
        ({"period": "month", "on": "2025-13-01"}, "on"),
        ({"period": "month", "on": "yesterday"}, "on"),
        ({"period": "year", "on": "0001-06-01"}, "on"),
        ({"period": "day", "on": "9999-12-31"}, "on"),
        ({"period": "custom", "end": "2025-03-01"}, "start"),
        ({"period": "custom", "start": "2025-03-01"}, "end"),
        ({"period": "custom", "start": "2025-03-10", "end": "2025-03-01"}, "end"),
        ({"period": "custom", "start": "2020-01-01", "end": "2025-03-01"}, "end"),
        ({"city": "abc"}, "city"),
        ({"project": "0"}, "project"),
        ({"project": "99999999999999999999"}, "project"),
        ({"fresh": "perhaps"}, "fresh"),
    ],
)
def test_bad_parameters_are_400_with_the_fields_message(group_admin, test_source, params, field):
    response = get(group_admin, "metric-detail", "test.done", **params)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_an_unknown_measure_is_404(group_admin, test_source):
    assert metric(group_admin, "test.nothing").status_code == 404
    assert metric(group_admin, "nodots").status_code == 404


# --- breakdowns ---------------------------------------------------------------------------------


def test_breakdowns_list_and_one_by_key(group_admin, test_source, city):
    response = get(group_admin, "metric-breakdown-list", city=city.pk, source="test", **PARAMS)
    assert response.status_code == 200
    body = response.json()
    assert body["scope"]["city"] == city.pk and body["period"]["label"] == "2025-06"
    assert body["breakdowns"] == [
        {
            "key": "test.top",
            "title": "Top things",
            "source": "test",
            "columns": ["Count", "Share %"],
            "rows": [
                {
                    "label": "漏水",
                    "values": [3, 42.5],
                    "drill_url": "http://testserver/things/?category=leak",
                },
                {"label": "噪音", "values": [1, None], "drill_url": None},
            ],
        }
    ]
    one = get(group_admin, "metric-breakdown-detail", "test.top", **PARAMS).json()
    assert one["key"] == "test.top" and one["rows"] == body["breakdowns"][0]["rows"]
    assert one["scope"]["level"] == "group"
    assert get(group_admin, "metric-breakdown-detail", "test.nothing").status_code == 404
    assert get(group_admin, "metric-breakdown-list", source="nosuch").json()["breakdowns"] == []


# --- cost ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("projects", [1, 6])
def test_query_count_does_not_grow_with_the_rows(
    group_admin, test_source, city, projects, django_assert_max_num_queries
):
    for index in range(projects):
        ProjectFactory(city_company=city, code=f"p{index}", name=f"项目{index}")
    client = client_for(group_admin)
    url = reverse("metric-detail", args=["test.done"])
    client.get(url, PARAMS)  # the reference lists (projects, city companies) are cached after this
    # Token + user (1), the user's scope (≤ 2), the source's own reads (none for the test source).
    with django_assert_max_num_queries(4):
        assert client.get(url, {**PARAMS, "city": city.pk}).status_code == 200
