"""The SLA sweep's lag for /metrics (crm.metrics): the oldest due, unswept step's moment."""

import datetime

import pytest
from django.utils import timezone

from complaints.models import Complaint
from complaints.sla import ComplaintSlaSweep

pytestmark = pytest.mark.django_db


def test_oldest_due_is_the_longest_waiting_due_check_and_none_when_nothing_is_due(make_complaint):
    now = timezone.now()
    first, second = make_complaint(), make_complaint()
    Complaint.objects.filter(pk=first.pk).update(sla_next_check_at=now + datetime.timedelta(hours=1))
    Complaint.objects.filter(pk=second.pk).update(sla_next_check_at=now + datetime.timedelta(hours=2))
    assert ComplaintSlaSweep().oldest_due(now) is None

    Complaint.objects.filter(pk=second.pk).update(sla_next_check_at=now - datetime.timedelta(minutes=10))
    Complaint.objects.filter(pk=first.pk).update(sla_next_check_at=now - datetime.timedelta(minutes=3))

    assert ComplaintSlaSweep().oldest_due(now) == now - datetime.timedelta(minutes=10)
