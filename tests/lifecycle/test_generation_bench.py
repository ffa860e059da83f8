"""The bench's touchpoint-generation row: it times a run and a rerun over every customer and leaves
nothing behind (everything it wrote is rolled back)."""

import datetime
import re

import pytest
from django.utils import timezone

from bench.lifecycle import bench_touchpoint_generation, measure_touchpoint_generation
from bench.timing import Rows
from lifecycle.models import Touchpoint
from tests.factories import ContractFactory


@pytest.mark.django_db
def test_the_generation_row_measures_a_run_and_a_rerun_and_keeps_nothing():
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for _ in range(3):
        ContractFactory(
            signed_on=yesterday, contractual_handover_on=None
        )  # each one's welcome call (at least) comes due
    lines = []
    customers, seconds, rerun = bench_touchpoint_generation(write=lines.append)
    assert customers == 3 and seconds > 0 and rerun > 0
    created, again = re.search(r"([\d,]+) touchpoints created .* rerun (\d+) created", lines[0]).groups()
    assert int(created.replace(",", "")) >= 3 and again == "0"
    assert not Touchpoint.objects.exists()
    rows = Rows("touchpoint generation")
    measure_touchpoint_generation(rows)
    assert rows[0].per_second and rows[0].kind == "touchpoint_generation"
