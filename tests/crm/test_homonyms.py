"""Issue 13: one English word, two meanings, two Chinese words (pgettext contexts); the 6+2 steps and
prices read right in both languages."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from core.templatetags.money import price_full, price_short
from delivery.models import HandoverBatch, ReadinessItem
from notifications.models import Notification

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "en")


def _speak(client, language: str) -> None:
    client.post(reverse("set_language"), {"language": language, "next": "/"})


def test_open_the_verb_and_open_the_status_are_two_words():
    with translation.override("zh-hans"):
        assert pgettext("verb: go to the linked page", "Open") == "打开"
        assert translation.gettext("Open") == "未关闭"
        assert pgettext("person responsible for a task", "Owner") == "负责人"
        assert translation.gettext("Owner") == "业主"
        assert pgettext("handover batch status", "Open") == "交付中"
        # A defect photo's stage is when it was taken, not the customer's lifecycle stage.
        assert pgettext("when a defect photo was taken", "Stage") == "拍摄阶段"
        assert translation.gettext("Stage") == "客户阶段"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notification_button_says_open_as_a_verb(client, agent, language):
    Notification.objects.create(recipient=agent, kind="sla", title="投诉即将超时", link="/complaints/")
    client.force_login(agent)
    _speak(client, language)

    html = client.get(reverse("notifications:list")).content.decode()

    button = {"zh-hans": ">打开</button>", "en": ">Open</button>"}[language]
    assert button in html
    assert ">未关闭</button>" not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_readiness_items_owner_is_the_person_responsible_not_the_homeowner(
    client, supervisor, project, language
):
    today = datetime.date.today()
    batch = HandoverBatch.objects.create(
        project=project, name="一期交付", starts_on=today, ends_on=today, site="大堂", lead=supervisor
    )
    ReadinessItem.objects.create(batch=batch, title="水电表读数", owner=supervisor)
    client.force_login(supervisor)
    _speak(client, language)

    html = client.get(reverse("delivery:batch-detail", args=[batch.pk])).content.decode()

    expected = {"zh-hans": "负责人: ", "en": "Owner: "}[language]
    assert expected in html
    assert "业主: " not in html


@pytest.mark.parametrize(
    ("language", "amount", "short"),
    [
        ("zh-hans", "4550000", "455万"),
        ("zh-hans", "3265000", "326.5万"),
        ("zh-hans", "120000000", "1.2亿"),
        ("zh-hans", "8500", "¥8,500"),
        ("en", "4550000", "¥4.55M"),
        ("en", "850000", "¥850K"),
        ("en", "950", "¥950"),
    ],
)
def test_prices_read_the_way_each_language_writes_them(language, amount, short):
    with translation.override(language):
        assert price_short(Decimal(amount)) == short
        assert price_short(None) == ""
    assert price_full(Decimal("4550000.00")) == "¥4,550,000"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_customer_page_shows_the_steps_and_the_price_in_the_readers_language(
    client, agent, owner, language
):
    client.force_login(agent)
    _speak(client, language)

    html = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()

    if language == "en":
        assert "Welcome home <small" in html and "(恭迎乔迁)" in html  # English, the Chinese beside it
        assert "¥3.2M" in html
    else:
        assert ">恭迎乔迁</span>" in html and "Welcome home" not in html
        assert "320万" in html
    assert "×10k" not in html
    assert 'title="¥3,200,000"' in html
