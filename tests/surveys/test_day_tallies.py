"""The dashboards' day tallies: the submit transaction counts a response into the row of its local day,
project and segment (or not at all when the submit rolls back), a rebuild from the answers gives the
same rows, and every dimension has its columns."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from surveys.day_tallies import COUNT_COLUMNS, DIMENSION_COLUMNS, day_tallies_rebuild
from surveys.models import DayTally, Dimension, Invitation
from surveys.services.responses import response_save
from surveys.signals import response_completed
from tests.dashboards.conftest import at
from tests.factories import CustomerFactory
from tests.surveys.factories import CampaignFactory, InvitationFactory, completed_invitation

pytestmark = pytest.mark.django_db


def _rows() -> dict:
    return {
        (row.day, row.project_key, row.segment): {
            c: getattr(row, c) for c in COUNT_COLUMNS if getattr(row, c)
        }
        for row in DayTally.objects.all()
    }


def _completed(campaign, completed_at, *, project=None, segment="stable", **scores):
    invitation = completed_invitation(
        scores,
        completed_at=completed_at,
        campaign=campaign,
        customer=CustomerFactory(),
        project=project,
        segment=segment,
    )
    response_completed.send(sender=Invitation, invitation=invitation)
    return invitation


def test_the_submit_counts_the_response_into_its_day(owner, project):
    invitation = InvitationFactory(customer=owner, project=project, segment="stable")
    now = at("2026-03-31", 23, 59)  # local time: still March 31st (16:59 UTC)
    response_save(
        invitation,
        {"overall": "5", "repurchase": "5", "recommend": "9", "quality": "3", "leaks": "no"},
        submit=True,
        now=now,
    )
    assert _rows() == {
        (datetime.date(2026, 3, 31), project.pk, "stable"): {
            "overall_rated": 1,
            "overall_top": 1,
            "recommend_rated": 1,
            "promoters": 1,
            "l3_rated": 1,
            "l3_loyal": 1,
            "loyalty_rated": 2,  # overall and repurchase (1–5); the recommend score is 0–10
            "loyalty_top": 2,
            "house_quality_rated": 1,
        }
    }


def test_a_submit_that_rolls_back_counts_nothing(owner, project):
    invitation = InvitationFactory(customer=owner, project=project, segment="stable")
    with pytest.raises(RuntimeError), transaction.atomic():
        response_save(invitation, {"overall": "5", "repurchase": "5", "recommend": "9", "quality": "3",
                                   "leaks": "no"}, submit=True)  # fmt: skip
        assert DayTally.objects.exists()
        raise RuntimeError("the caller's transaction fails after the submit")
    assert not DayTally.objects.exists()


def test_counts_add_up_per_day_and_a_rebuild_from_the_answers_agrees(project, other_project):
    campaign = CampaignFactory()
    _completed(
        campaign, at("2026-03-01", 0, 0), project=project, overall=5, repurchase=5, recommend=10, quality=4
    )
    _completed(campaign, at("2026-03-01", 18), project=project, overall=2, repurchase=4, recommend=6)
    _completed(campaign, at("2026-03-01", 9), project=project, segment="buyer", overall=4)
    _completed(campaign, at("2026-02-28", 23, 59), project=other_project, overall=3, recommend=7)
    # Without a project: only the ratings by dimension (the breakdown's), not the loyalty figures.
    _completed(campaign, at("2026-03-02"), overall=5, repurchase=5, recommend=10)
    InvitationFactory(campaign=campaign, project=project, status=Invitation.Status.STARTED)
    incremental = _rows()
    assert incremental[(datetime.date(2026, 3, 1), project.pk, "stable")] == {
        "overall_rated": 2,
        "overall_top": 1,
        "recommend_rated": 2,
        "promoters": 1,
        "detractors": 1,
        "l3_rated": 2,
        "l3_loyal": 1,
        "loyalty_rated": 4,
        "loyalty_top": 3,
        "house_quality_rated": 1,
        "house_quality_top": 1,
    }
    assert incremental[(datetime.date(2026, 3, 1), project.pk, "buyer")]["overall_rated"] == 1
    assert incremental[(datetime.date(2026, 2, 28), other_project.pk, "stable")] == {
        "overall_rated": 1,
        "recommend_rated": 1,  # a passive (7): neither promoter nor detractor
        "loyalty_rated": 1,
    }
    assert incremental[(datetime.date(2026, 3, 2), 0, "stable")] == {"loyalty_rated": 2, "loyalty_top": 2}
    DayTally.objects.update(overall_rated=99)  # a repair starts from the answers, not from the rows
    assert day_tallies_rebuild() == len(incremental) == 4
    assert _rows() == incremental


def test_the_rebuild_command_reports_its_rows(project):
    _completed(CampaignFactory(), at("2026-03-05"), project=project, overall=4)
    out = StringIO()
    call_command("surveys_day_tallies_rebuild", verbosity=0, stdout=out)
    assert "1 day tally rows written" in out.getvalue()
    assert DayTally.objects.get().overall_top == 1


def test_every_dimension_has_its_columns():
    fields = {field.name for field in DayTally._meta.fields}
    assert set(DIMENSION_COLUMNS) == set(Dimension.values)
    assert all(rated in fields and top in fields for rated, top in DIMENSION_COLUMNS.values())
