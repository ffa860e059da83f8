"""The audit trail of defects (and of the contract a handover sign-off dates): recording, issuing,
correcting and the path leave who, when, old → new; the deadline sweep's columns leave nothing."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from customers.models import Contract
from delivery import deadlines
from delivery.models import Defect
from delivery.services import rectification as services
from delivery.services.defects import defect_record
from tests.delivery.test_inspection_services import sign_off
from tests.factories import photo_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def entries(record):
    return list(LogEntry.objects.get_for_object(record).order_by("id"))


@pytest.fixture
def defect(seeded_checklist, engineer, owned_unit, contractor, handover):
    return defect_record(
        by=engineer,
        unit=owned_unit,
        room="bathroom",
        trade="waterproofing",
        severity="normal",
        description="卫生间地漏反坡，积水",
        location="主卫地漏",
        contractor=contractor,
    )


def test_a_recorded_defect_is_on_the_trail(defect, engineer):
    (entry,) = entries(defect)
    assert entry.action == LogEntry.Action.CREATE and entry.actor == engineer
    assert entry.changes["status"] == ["None", "open"] and entry.changes["room"] == ["None", "bathroom"]


def test_issuing_and_correcting_record_each_change_and_who(defect, engineer, other_contractor):
    services.defect_correct(by=engineer, defect=defect, severity="major", location="主卫地漏北侧")
    services.rectification_orders_issue(by=engineer, defects=[defect])
    _created, corrected, issued = entries(defect)
    assert corrected.actor == engineer
    assert corrected.changes == {"severity": ["normal", "major"], "location": ["主卫地漏", "主卫地漏北侧"]}
    order = Defect.objects.get(pk=defect.pk).order
    assert issued.changes == {"status": ["open", "fixing"], "order": ["None", str(order.pk)]}


def test_the_path_records_the_contractor_and_the_engineer(defect, engineer, contractor_user):
    services.rectification_orders_issue(by=engineer, defects=[defect])
    services.defect_mark_fixed(
        by=contractor_user, defect=Defect.objects.get(pk=defect.pk), photos=[photo_upload()], note="重新找坡"
    )
    services.defect_verify(by=engineer, defect=Defect.objects.get(pk=defect.pk))
    *_, fixed, verified = entries(defect)
    assert fixed.actor == contractor_user and fixed.changes["status"] == ["fixing", "fixed"]
    assert verified.actor == engineer and verified.changes["verified_by"] == ["None", str(engineer.pk)]


def test_the_deadline_sweep_writes_no_entry(defect):
    before = LogEntry.objects.count()
    assert deadlines.defect_escalation_sweep(now=defect.due_at + datetime.timedelta(hours=1)) >= 1
    assert Defect.objects.get(pk=defect.pk).escalation_level >= 1
    assert LogEntry.objects.count() == before


def test_the_handover_sign_off_dates_the_contract_on_its_trail(handover, engineer, owned_unit):
    sign_off(handover, engineer)
    contract = Contract.objects.get(unit=owned_unit, status="active")
    (entry,) = entries(contract)
    assert entry.actor == engineer
    assert entry.changes == {"handed_over_on": ["None", str(timezone.localdate())]}


def test_the_defect_page_shows_its_history_to_the_contractor_too(client, defect, engineer, contractor_user):
    services.rectification_orders_issue(by=engineer, defects=[defect])
    url = reverse("audit:history", args=["delivery.defect", defect.pk])
    client.force_login(contractor_user)
    page = client.get(reverse("delivery:defect-detail", args=[defect.pk])).content.decode()
    assert f'hx-get="{url}"' in page
    html = client.get(url).content.decode()
    assert html.count('data-testid="history-entry"') == 2 and "Being fixed" in html


def test_the_unit_page_shows_each_contracts_history(client, agent, owned_unit):
    contract = Contract.objects.get(unit=owned_unit)
    client.force_login(agent)
    page = client.get(reverse("properties:unit-detail", args=[owned_unit.pk])).content.decode()
    assert reverse("audit:history", args=["customers.contract", contract.pk]) in page
    assert f"History of contract {contract.number}" in page
