"""Issue 17: the managers' dashboards page over the measures engine: who may open which level, the period
switcher, the cards (value, change coloured by whether it is good, trend), the side-by-side rows, the
"not recording yet" panels, bad input as a 400 with its message, and the query count."""

import importlib

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.models import Role
from complaints.models import Category
from complaints.services import complaint_create
from dashboards.measures import base
from dashboards.measures.base import (
    Breakdown,
    BreakdownRow,
    Level,
    Measure,
    Period,
    PeriodKind,
    Ratio,
    Source,
    Unit,
)
from dashboards.measures.engine import visible_city_ids
from tests.factories import CityCompanyFactory, CustomerFactory, ProjectFactory, UnitFactory, UserFactory

URL = reverse("dashboards")
_seed = importlib.import_module("complaints.migrations.0002_seed_categories_and_policies")


def _board_drill(scope, period):
    query = {"status": "all"}
    if scope.level == Level.PROJECT:
        query["project"] = scope.project_id
    return reverse("complaints:board") + "?" + urlencode(query)


SCORE = Measure(
    key="test.score",
    label="Test score",
    unit=Unit.PERCENT,
    better="higher",
    drill_url=_board_drill,
)
WAIT = Measure(key="test.wait", label="Test wait", unit=Unit.AVERAGE, suffix="h", better="lower")


def _test_compute(project_ids, periods, fresh):
    """75% now against 50% before for every project; waits of 10 h now against 4 h before."""
    current, previous = len(periods) - 1, len(periods) - 2
    ids = project_ids if project_ids is not None else _test_compute.projects
    score, wait = {}, {}
    for pk in ids:
        score[(current, pk)] = Ratio(3, 4)
        score[(previous, pk)] = Ratio(1, 2)
        wait[(current, pk)] = Ratio(10, 1)
        wait[(previous, pk)] = Ratio(4, 1)
    return {SCORE.key: score, WAIT.key: wait}


@pytest.fixture
def test_source(monkeypatch, project, other_project):
    _test_compute.projects = [project.pk, other_project.pk]
    source = Source(
        key="test",
        panel_label="Test panel",
        order=1,
        measures=[SCORE, WAIT],
        compute=_test_compute,
        breakdowns=lambda ids, period, fresh: [
            Breakdown(
                key="test.top",
                title="Top things",
                columns=("Thing", "Count"),
                rows=(BreakdownRow("漏水", (7,), "/complaints/?category=1"),),
            )
        ],
    )
    monkeypatch.setitem(base._SOURCES, "test", source)
    return source


@pytest.fixture
def silent_source(monkeypatch):
    source = Source(
        key="later",
        panel_label="A later app",
        order=2,
        measures=[Measure(key="later.count", label="Later count", unit=Unit.COUNT)],
        compute=lambda ids, periods, fresh: pytest.fail("a source that is not recording is not asked"),
        is_recording=lambda: False,
    )
    monkeypatch.setitem(base._SOURCES, "later", source)
    return source


def _cards(html: str, key: str) -> str:
    start = html.index(f'data-testid="card-{key}"')
    return html[start : html.index("</article>", start)]


def test_the_group_administrator_sees_every_city_side_by_side(
    client, group_admin, project, other_project, test_source
):
    UnitFactory(building__project=project)
    UnitFactory.create_batch(2, building__project=other_project)
    client.force_login(group_admin)
    response = client.get(URL)
    assert response.status_code == 200
    scope = response.context["scope"]
    assert scope.level == Level.GROUP and scope.project_ids is None
    html = response.content.decode()

    # The cards: the value with its unit, the change against the previous period coloured by whether
    # it is good, the previous value, a trend chart fed by json_script, a link to the records.
    score = _cards(html, "test.score")
    assert "75.0%" in score and "+25.0 pp" in score and "crm-change-good" in score
    assert "previous period: 50.0%" in score
    assert f'href="{reverse("complaints:board")}?status=all"' in score
    wait = _cards(html, "test.wait")
    assert "10.0h" in wait and "+6.0h" in wait and "crm-change-bad" in wait  # longer waits are worse
    charts = response.context["charts"]
    assert len(charts["labels"]) == 12
    series = [values for key, values in charts["series"].items() if key.startswith("trend-0-0")]
    assert series == [[None] * 10 + [50.0, 75.0]]
    assert 'id="dashboard-charts"' in html and "vendor/chartjs/chart.umd.min.js" in html

    # The side-by-side table: a row per city company, linking one level down.
    (panel,) = [view for view in response.context["panels"] if view.source.key == "test"]
    assert [row.scope.label for row in panel.children] == ["武汉公司", "深圳公司"]
    month = response.context["period"].query()
    city_url = f"{URL}?{urlencode({'city': project.city_company_id, **month})}"
    assert panel.children[1].url == city_url
    assert f'href="{city_url.replace("&", "&amp;")}"' in html
    # The breakdowns, each row linking to its records.
    assert 'data-testid="breakdown-test.top"' in html and 'href="/complaints/?category=1"' in html

    # The estate: units per city company, summed from the same kept count.
    (estate,) = [view for view in response.context["panels"] if view.source.key == "estate"]
    assert estate.cards[0].value_text == "3"
    assert [row.cells[0].text for row in estate.children] == ["2", "1"]

    # Freshness: live figures say so; the estate's summary says when it was counted and how old it is.
    freshness = response.context["freshness"]
    assert [(line.label, line.live) for line in freshness] == [
        ("Test panel", True),
        ("Estate and customers", False),  # (the complaints panel records nothing yet: no line)
    ]
    assert freshness[-1].minutes_old == 1
    assert "summary, refreshed at" in html and "(up to 1 minutes old)" in html
    assert 'data-testid="recount-form"' in html


def test_a_city_head_sees_their_city_and_its_projects_only(
    client, city_head, project, other_project, test_source
):
    sibling = ProjectFactory(city_company=project.city_company, name="万科城")
    client.force_login(city_head)
    response = client.get(URL)
    assert response.status_code == 200
    scope = response.context["scope"]
    assert (scope.level, scope.city_company_id) == (Level.CITY, project.city_company_id)
    assert scope.project_ids == {project.pk, sibling.pk}
    (panel,) = [view for view in response.context["panels"] if view.source.key == "test"]
    assert [row.scope.label for row in panel.children] == ["万科城", "四季花城"]
    month = response.context["period"].query()
    assert panel.children[1].url == f"{URL}?{urlencode({'project': project.pk, **month})}"
    html = response.content.decode()
    assert "金口花园" not in html and "武汉公司" not in html

    # One level down: the project, with the city company in the breadcrumb.
    response = client.get(URL, {"project": project.pk, "period": "week"})
    assert response.status_code == 200
    assert response.context["scope"].level == Level.PROJECT
    crumbs = response.context["crumbs"]
    assert [(crumb.label, url) for crumb, url in crumbs] == [
        (
            "深圳公司",
            f"{URL}?{urlencode({'city': project.city_company_id, **response.context['period'].query()})}",
        )
    ]
    # The project's card drills to its own complaints.
    assert (
        f'href="{reverse("complaints:board")}?status=all&amp;project={project.pk}"'
        in response.content.decode()
    )

    # Another city company's figures, or one of its projects: 403, never a count.
    assert client.get(URL, {"city": other_project.city_company_id}).status_code == 403
    assert client.get(URL, {"project": other_project.pk}).status_code == 403
    assert client.get(URL, {"city": 999999}).status_code == 403


def test_a_supervisor_sees_their_project(client, supervisor, project, other_project, test_source):
    client.force_login(supervisor)
    response = client.get(URL)
    assert response.status_code == 200
    scope = response.context["scope"]
    assert (scope.level, scope.project_id) == (Level.PROJECT, project.pk)
    assert response.context["crumbs"] == []
    assert client.get(URL, {"project": other_project.pk}).status_code == 403


@pytest.mark.parametrize("role", [Role.CS_AGENT, Role.CONTRACTOR, Role.DELIVERY_ENGINEER])
def test_roles_without_dashboards_are_refused(client, project, role):
    client.force_login(UserFactory(role=role, projects=[project]))
    assert client.get(URL).status_code == 403
    assert client.post(reverse("dashboards:recount")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "fortnight"}, "Choose day, week, month, quarter, year or custom."),
        ({"period": "month", "on": "2026-13-01"}, "Enter a date as YYYY-MM-DD."),
        ({"period": "custom", "start": "2026-03-01"}, "This field is required."),
        ({"period": "custom", "start": "2026-03-01", "end": "2026-02-01"}, "The end is before the start."),
        ({"period": "custom", "start": "2020-01-01", "end": "2026-01-01"}, "at most three years long"),
        ({"city": "abc"}, "Enter a whole number."),
    ],
)
def test_bad_input_is_a_400_with_its_message(client, group_admin, params, message):
    client.force_login(group_admin)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_period_switcher(client, group_admin, project, test_source):
    client.force_login(group_admin)
    today = timezone.localdate()
    response = client.get(URL)
    period = response.context["period"]
    assert period == Period.containing(PeriodKind.MONTH, today)
    nav = response.context["nav"]
    assert [link.active for link in nav.kinds] == [False, False, True, False, False]
    assert nav.next_url is None  # this month has no next one yet
    assert nav.previous_url == f"{URL}?{urlencode(period.previous().query())}"

    # Last month: its next is this month; its week link is the week holding its last day.
    last = period.previous()
    response = client.get(URL, last.query())
    assert response.context["period"] == last
    assert response.context["nav"].next_url == f"{URL}?{urlencode(period.query())}"
    week = Period.containing(PeriodKind.WEEK, last.last_day)
    assert response.context["nav"].kinds[1].url == f"{URL}?{urlencode(week.query())}"

    # A custom range keeps the scope and is labelled by its days.
    response = client.get(
        URL, {"city": project.city_company_id, "period": "custom", "start": "2026-01-05", "end": "2026-01-18"}
    )
    assert response.status_code == 200
    assert response.context["period"].label == "2026-01-05 – 2026-01-18"
    assert response.context["nav"].previous_url == (
        f"{URL}?{urlencode({'city': project.city_company_id, 'period': 'custom', 'start': '2025-12-22', 'end': '2026-01-04'})}"
    )
    html = response.content.decode()
    assert 'name="start" value="2026-01-05"' in html and 'name="end" value="2026-01-18"' in html


def test_a_panel_whose_app_records_nothing_yet_says_so(client, group_admin, silent_source):
    client.force_login(group_admin)
    response = client.get(URL)
    html = response.content.decode()
    start = html.index('data-testid="panel-later"')
    panel = html[start : html.index("</section>", start)]
    assert "Not recording yet" in panel and "Later count" not in panel
    assert "A later app" not in [line.label for line in response.context["freshness"]]


def test_counted_anew_on_request(client, group_admin, project, monkeypatch, test_source):
    asked = []
    monkeypatch.setattr(test_source, "compute", lambda ids, periods, fresh: asked.append(fresh) or {})
    client.force_login(group_admin)
    client.get(URL)
    client.get(URL, {"fresh": "1"})
    assert asked == [False, True]


def _estate(cities: int, projects_per_city: int, by, prefix: str = "a") -> None:
    """Cities of projects, each with a unit, a customer and a complaint received today."""
    _seed.seed(apps, None)
    leak = Category.objects.get(code="leak")
    for c in range(cities):
        city = CityCompanyFactory(code=f"{prefix}{c}", name=f"城市{prefix}{c}")
        for p in range(projects_per_city):
            unit = UnitFactory(building__project=ProjectFactory(city_company=city, code=f"{prefix}{c}-{p}"))
            customer = CustomerFactory(city_company=city, registered_project=unit.project)
            complaint_create(
                by=by, customer=customer, unit=unit, category=leak, complaint_type="complaint",
                channel="hotline", title="车库漏水", description="地下车库B2层持续漏水",
            )  # fmt: skip


def test_the_estate_panel_costs_three_queries_once_and_none_while_kept(
    client, group_admin, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(base, "_SOURCES", {"estate": base._SOURCES["estate"]})
    _estate(3, 4, group_admin)
    client.force_login(group_admin)
    # Session + user (2), the bell (1); the cached project and city lists (2) and the calendar's check
    # (1), read once; the estate counted for the whole estate (units per project, active contracts per
    # project: 2) and its customers by stage (1).
    with django_assert_max_num_queries(9):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(3):  # the count is kept: session, user, the bell
        assert client.get(URL).status_code == 200


@pytest.mark.parametrize(("cities", "projects_per_city"), [(5, 8)])
def test_the_query_count_does_not_grow_with_cities_and_projects(
    client, group_admin, cities, projects_per_city, django_assert_max_num_queries
):
    """Every registered source, on a group of one project and on one of several cities of many projects:
    the page costs the same queries (one compute per source, whatever the rows of the side-by-side)."""
    _estate(1, 1, group_admin)
    client.force_login(group_admin)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    few_queries = len(few.captured_queries)  # (read now: the next request starts a new log)
    assert few_queries > 3
    cache.clear()
    _estate(cities, projects_per_city, group_admin, prefix="b")
    for city_id in visible_city_ids(group_admin):
        assert client.get(URL, {"city": city_id}).status_code == 200
    cache.clear()
    with django_assert_max_num_queries(few_queries):
        response = client.get(URL)
    assert response.status_code == 200
    (estate,) = [view for view in response.context["panels"] if view.source.key == "estate"]
    assert len(estate.children) == cities + 1
