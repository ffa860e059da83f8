"""The survey-send row of make bench, on a small database: it sends, reports a rate and cleans up."""

import datetime

import pytest
from django.utils import timezone

from bench.surveys import bench_survey_send, measure_survey_send
from bench.timing import Rows
from core.models import OutboxMessage
from surveys.models import Campaign, Invitation, SurveyTemplate
from tests.surveys.factories import owner_home

pytestmark = pytest.mark.django_db


def test_the_bench_sends_count_invitations_reports_the_rate_and_cleans_up(project):
    for _ in range(6):
        owner_home(project, signed=timezone.localdate() - datetime.timedelta(days=10))
    templates_before = set(SurveyTemplate.objects.values_list("pk", flat=True))  # the shipped ones
    lines = []
    sent, seconds = bench_survey_send(count=4, write=lines.append)
    assert sent == 4 and seconds > 0
    assert "sent 4 invitations (4 messages queued)" in lines[-1] and "invitations per second" in lines[-1]
    assert not Campaign.objects.exists() and not Invitation.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert set(SurveyTemplate.objects.values_list("pk", flat=True)) == templates_before


def test_the_bench_row(project):
    owner_home(project, signed=timezone.localdate() - datetime.timedelta(days=10))
    rows = Rows(None)
    measure_survey_send(rows, count=10)
    (row,) = rows
    assert row.kind == "survey_send" and row.per_second > 0 and "sent 1 invitations" in row.note
    skipped = Rows("board")
    measure_survey_send(skipped, count=1)
    assert skipped == [] and not Campaign.objects.exists()
