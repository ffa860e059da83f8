# ruff: noqa: F811 - the owner timeline's fixtures (tests/lifecycle/timeline_fixtures.py) are imported by name
"""Anonymisation (PIPL): a customer's personal data and free texts become placeholders everywhere while
ids, dates, categories, scores and counts stay; logged; and the retention job with its dry-run report.
(tests/dashboards/test_anonymise_keeps_figures.py: the dashboards' figures do not move.)"""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent
from customers import tasks
from customers.anonymise import customer_anonymise, retention_candidates, retention_report, retention_run
from customers.messaging import owner_address
from customers.models import Customer, CustomerAnonymisation, CustomerPhone
from customers.privacy import PLACEHOLDER
from membership.models import Member, PointsEntry
from surveys.models import Answer
from tests.factories import CustomerFactory, CustomerPhoneFactory, make_resident_id
from tests.lifecycle.timeline_fixtures import complaint, every_kind, leak  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

YEARS = 10


def _text_answer(invitation, text: str) -> Answer:
    question = invitation.campaign.template_version.questions.filter(kind="text").first()
    return Answer.objects.create(
        invitation=invitation,
        question=question,
        text=text,
        campaign=invitation.campaign,
        city_company=invitation.city_company,
        dimension=question.dimension,
        is_final=True,
    )


def test_personal_data_and_free_texts_become_placeholders_and_the_rest_stays(every_kind, owner, group_admin):
    Customer.objects.filter(pk=owner.pk).update(
        id_type="resident_id",
        email="zhangwei@example.com",
        address="深圳市南山区",
        notes="老客户，电话13812345678",
        birth_date=datetime.date(1980, 7, 9),
    )
    owner.refresh_from_db()
    owner.id_number = make_resident_id(1)
    owner.save()
    _text_answer(every_kind["survey_answer"], "物业太慢")
    points_before = list(PointsEntry.objects.values_list("points", "kind", "created_at"))
    complaint_before = Complaint.objects.values("pk", "status", "category_id", "received_at", "unit_id").get()

    record = customer_anonymise(customer=owner, by=group_admin, reason="业主申请删除个人信息")

    owner.refresh_from_db()
    assert owner.name == PLACEHOLDER and not owner.id_number and owner.id_number_hash == ""
    assert (owner.email, owner.address, owner.notes) == ("", "", "")
    assert owner.birth_date == datetime.date(1980, 1, 1) and owner.anonymised_at == record.anonymised_at
    assert [phone.number for phone in CustomerPhone.objects.filter(customer=owner)] == ["00000000000"]
    complaint_row = Complaint.objects.get()
    assert (complaint_row.title, complaint_row.description) == (PLACEHOLDER, PLACEHOLDER)
    assert (
        Complaint.objects.values("pk", "status", "category_id", "received_at", "unit_id").get()
        == complaint_before
    )
    assert set(ComplaintEvent.objects.exclude(note="").values_list("note", flat=True)) == {PLACEHOLDER}
    assert set(Answer.objects.exclude(text="").values_list("text", flat=True)) == {PLACEHOLDER}
    member = Member.objects.get(customer=owner)
    assert member.name == PLACEHOLDER and not member.phone.startswith("1") and member.points_balance >= 0
    assert list(PointsEntry.objects.values_list("points", "kind", "created_at")) == points_before
    assert (record.anonymised_by, record.automatic, record.reason) == (
        group_admin,
        False,
        "业主申请删除个人信息",
    )
    assert record.rewritten["complaints"] >= 2 and record.rewritten["club"] >= 1
    assert owner_address(owner) is None  # no message goes to an anonymised record


def test_anonymising_twice_or_without_the_right_is_refused(owner, group_admin, supervisor):
    with pytest.raises(PermissionDenied):
        customer_anonymise(customer=owner, by=supervisor, reason="申请删除")
    with pytest.raises(ValidationError):
        customer_anonymise(customer=owner, by=group_admin, reason="  ")
    customer_anonymise(customer=owner, by=group_admin, reason="申请删除")
    with pytest.raises(ValidationError):
        customer_anonymise(customer=owner, by=group_admin, reason="再次申请")
    assert CustomerAnonymisation.objects.count() == 1


def test_the_360_page_anonymises_for_the_group_admin_only(client, owner, group_admin, supervisor):
    url = reverse("customers:anonymise", args=[owner.pk])
    client.force_login(supervisor)
    assert client.post(url, {"reason": "申请删除", "confirm": "on"}).status_code == 403
    client.force_login(group_admin)
    assert client.post(url, {"reason": "申请删除"}).status_code == 400  # not confirmed
    assert client.post(url, {"reason": "申请删除", "confirm": "on"}).status_code == 302
    owner.refresh_from_db()
    assert owner.anonymised_at is not None
    page = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert "张伟" not in page and "13812345678" not in page


# --- the retention job ---------------------------------------------------------------------------------


def _old(customer, *, years: int = YEARS + 1) -> Customer:
    past = timezone.now() - datetime.timedelta(days=365 * years)
    Customer.objects.filter(pk=customer.pk).update(created_at=past, updated_at=past)
    return customer


@pytest.fixture
def world(owner, project, leak):
    """An old prospect with nothing open (due), an old one with an open complaint (held), the owner
    (holds a home: held), a recent prospect (too young)."""
    city = project.city_company
    due = _old(CustomerFactory(city_company=city, name="旧意向客户"))
    CustomerPhoneFactory(customer=due)
    held = _old(CustomerFactory(city_company=city, name="有投诉的客户"))
    Complaint.objects.create(
        customer=held,
        project=project,
        category=leak,
        complaint_type="complaint",
        channel="hotline",
        title="漏水",
        description="漏水",
    )
    _old(owner)
    recent = CustomerFactory(city_company=city, name="新客户")
    return {"due": due, "held": held, "owner": owner, "recent": recent}


def test_only_customers_whose_every_record_is_closed_and_old_are_due(world):
    assert list(retention_candidates(years=YEARS)) == [world["due"]]


def test_a_closed_complaint_changed_long_ago_no_longer_holds_its_customer(world):
    past = timezone.now() - datetime.timedelta(days=365 * (YEARS + 1))
    Complaint.objects.filter(customer=world["held"]).update(status="closed", updated_at=past)
    assert set(retention_candidates(years=YEARS)) == {world["due"], world["held"]}


def test_the_dry_run_reports_per_city_company_and_changes_nothing(world, project):
    out = io.StringIO()
    call_command("pii_retention", dry_run=True, years=YEARS, stdout=out)

    text = out.getvalue()
    assert f"{project.city_company.name}: 1" in text and f"First ids: {world['due'].pk}" in text
    assert not Customer.objects.filter(anonymised_at__isnull=False).exists()
    report = retention_report(years=YEARS)
    assert (report.total, report.first_ids) == (1, [world["due"].pk])


def test_the_run_anonymises_with_progress_and_a_rerun_finds_nothing(world):
    out = io.StringIO()
    call_command("pii_retention", years=YEARS, stdout=out)

    assert "anonymised 1/1" in out.getvalue()
    due = Customer.objects.get(pk=world["due"].pk)
    assert due.name == PLACEHOLDER and due.anonymisation.automatic and due.anonymisation.anonymised_by is None
    assert Customer.objects.filter(anonymised_at__isnull=False).count() == 1
    assert retention_run(years=YEARS) == 0


def test_the_nightly_task_is_scheduled_and_reads_the_setting(world, settings):
    assert (
        settings.CELERY_BEAT_SCHEDULE["pii-retention"]["task"]
        == "customers.tasks.anonymise_retained_customers"
    )
    settings.PII_RETENTION_YEARS = 0
    assert tasks.anonymise_retained_customers.delay().get() == 0
    settings.PII_RETENTION_YEARS = YEARS
    assert tasks.anonymise_retained_customers.delay().get() == 1
    with pytest.raises(CommandError):
        call_command("pii_retention", years=0, stdout=io.StringIO())
    assert settings.PII_RETENTION_MAX_PER_RUN >= 1


def test_the_audit_trail_keeps_who_and_when_but_no_longer_the_persons_words(
    owner, complaint, agent, group_admin
):
    from auditlog.models import LogEntry

    from customers.services import customer_update

    customer_update(
        customer=owner,
        by=agent,
        expected_version=owner.version,
        name="张伟伟",
        notes="常住深圳，电话13812345678",
        gender="M",
    )
    complaint.refresh_from_db()
    entries_before = LogEntry.objects.count()
    assert any("张伟" in str(entry.changes) for entry in LogEntry.objects.all())

    customer_anonymise(customer=owner, by=group_admin, reason="业主申请删除个人信息")

    assert LogEntry.objects.count() == entries_before  # who and when stay
    texts = " ".join(f"{entry.object_repr} {entry.changes}" for entry in LogEntry.objects.all())
    assert "张伟" not in texts and "13812345678" not in texts and "地下车库" not in texts
    (update,) = [
        entry
        for entry in LogEntry.objects.get_for_object(owner).filter(action=LogEntry.Action.UPDATE)
        if "gender" in entry.changes
    ]
    assert update.changes["gender"][1] == "M" and update.actor == agent  # a category and who stay
    assert update.changes["name"] == [PLACEHOLDER, PLACEHOLDER]
