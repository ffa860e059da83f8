"""The row helpers print what `{% url %}` and `|date` would, without their per-row cost."""

import datetime

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from core.rows import local_text, row_url


@pytest.mark.parametrize("name", ["complaints:detail", "customers:detail", "complaints:work-order"])
def test_row_url_is_the_reversed_url(name):
    url = row_url(name)
    for pk in (1, 42, 1_000_001):
        assert url(pk) == reverse(name, args=[pk])


def test_local_text_is_what_the_date_filter_prints_in_the_current_time_zone(settings):
    value = datetime.datetime(2026, 9, 30, 17, 30, tzinfo=datetime.UTC)  # 01:30 next day in Shanghai
    template = engines["django"].from_string('{{ v|date:"m-d H:i" }}|{{ v|date:"Y-m-d" }}')
    assert (
        template.render({"v": value}) == f"{local_text(value, '%m-%d %H:%M')}|{local_text(value, '%Y-%m-%d')}"
    )
    assert (
        local_text(value, "%m-%d %H:%M") == timezone.localtime(value).strftime("%m-%d %H:%M") == "10-01 01:30"
    )
    assert local_text(None, "%Y") == ""
    assert local_text(datetime.date(2026, 1, 2), "%Y-%m-%d") == "2026-01-02"
