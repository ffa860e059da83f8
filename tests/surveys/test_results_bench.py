"""The bench survey (demo/bench_data/surveys.py) on SQLite at a tiny size: consistent rows that the
results read as a finished campaign compared with the one before it."""

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import Role
from demo.bench_data.surveys import BENCH_CAMPAIGN_NAME
from surveys.models import Answer, Campaign, Invitation
from surveys.selectors.results import campaign_results
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_bench_surveys_writes_a_finished_campaign_that_the_results_read(project):
    for _ in range(30):
        CustomerFactory(city_company=project.city_company, registered_project=project)
    call_command("bench_surveys", responses=200, quiet=True)
    campaign = Campaign.objects.select_related("template_version").get(name=BENCH_CAMPAIGN_NAME)
    assert Invitation.objects.filter(campaign=campaign, completed_at__isnull=False).count() == 200
    answers = Answer.objects.filter(campaign=campaign)
    # 12 ratings and the leak question each; rooms after a "yes" only, comments from about a third
    assert 200 * 13 < answers.count() < 200 * 15
    assert (
        not answers.filter(question__code="leak_rooms").exclude(invitation__answers__choices=["yes"]).exists()
    )
    results = campaign_results(user=UserFactory(role=Role.GROUP_ADMIN), campaign=campaign)
    current = results.current
    assert current.completed == 200 and current.reached == 250
    assert 0.5 < current.satisfaction.value < 0.95 and 0 < current.l3.value < 0.5
    assert results.previous is not None and results.previous.completed == 40
    assert len(current.dimensions) == 10


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the size limit applies to SQLite only")
def test_bench_surveys_refuses_a_large_run_on_sqlite():
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("bench_surveys", responses=100_000, quiet=True)


def test_bench_surveys_fills_the_dashboards_day_tallies(project):
    """COPY bypasses the submit transaction that keeps them: the load counts them once."""
    from django.db.models import Sum

    from surveys.day_tallies import day_tallies_rebuild
    from surveys.models import DayTally

    for _ in range(10):
        CustomerFactory(city_company=project.city_company, registered_project=project)
    call_command("bench_surveys", responses=50, quiet=True)
    loaded = list(DayTally.objects.order_by("day", "project_key", "segment").values())
    totals = DayTally.objects.aggregate(Sum("overall_rated"), Sum("l3_rated"))
    assert totals == {"overall_rated__sum": 60, "l3_rated__sum": 60}  # this campaign's 50 and the previous 10
    day_tallies_rebuild()
    assert [{k: v for k, v in row.items() if k != "id"} for row in loaded] == [
        {k: v for k, v in row.items() if k != "id"}
        for row in DayTally.objects.order_by("day", "project_key", "segment").values()
    ]
