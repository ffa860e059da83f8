import datetime
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from accounts.models import Contractor, Department, Role, User
from complaints import sla
from complaints.models import (
    Complaint,
    ComplaintEvent,
    GroupCase,
    ImprovementItem,
    MajorComplaintReport,
    ReturnVisit,
    Severity,
    SlaAlert,
    SlaPolicy,
    Status,
    WorkOrder,
    WorkOrderNote,
)
from customers.models import (
    AcquisitionChannel,
    Contract,
    Customer,
    CustomerPhone,
    HouseholdMember,
    HouseholdRole,
    Stage,
)
from customers.selectors import customer_360, possible_duplicates
from customers.validators import validate_mobile, validate_resident_id
from delivery.models import (
    Appointment,
    Defect,
    DefectEvent,
    Handover,
    HandoverBatch,
    Inspection,
    RectificationOrder,
)
from demo.seeding.customers import DUPLICATE_NOTE
from properties.models import Building, CityCompany, Project, Unit

pytestmark = pytest.mark.django_db

MODELS = (
    CityCompany, Project, Building, Unit, Customer, CustomerPhone, HouseholdMember, Contract, User,
    Contractor, Complaint, ComplaintEvent, WorkOrder, ReturnVisit, SlaAlert, GroupCase, ImprovementItem,
    HandoverBatch, Appointment, Inspection, Handover, Defect, RectificationOrder,
)  # fmt: skip


def seed(**options) -> str:
    out = io.StringIO()
    options.setdefault("complaints", 60)
    call_command("seed_demo", units=60, customers=80, verbosity=0, stdout=out, **options)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_the_demo_has_one_duplicate_record_for_the_supervisor_to_merge():
    seed()

    again = Customer.objects.get(notes=DUPLICATE_NOTE)
    supervisor = User.objects.get(username="supervisor")
    original = Customer.objects.exclude(pk=again.pk).get(
        name=again.name, phones__number=again.phones.get().number
    )
    assert not again.id_number_hash and original.id_number_hash
    candidates = possible_duplicates(user=supervisor, customer=customer_360(user=supervisor, pk=original.pk))
    assert [c.pk for c in candidates] == [again.pk]


def test_seed_creates_the_requested_sizes_in_four_city_companies():
    seed()

    assert Unit.objects.count() == 60
    assert Customer.objects.exclude(notes=DUPLICATE_NOTE).count() == 80  # and the hotline's duplicate
    assert set(CityCompany.objects.values_list("name", flat=True)) == {
        "深圳公司",
        "上海公司",
        "武汉公司",
        "广州公司",
    }
    assert {"四季花城", "城市花园", "假日风景", "优诗美地"} <= set(
        Project.objects.values_list("name", flat=True)
    )
    assert Contract.objects.exists() and CustomerPhone.objects.count() >= 80


def test_every_lifecycle_stage_and_household_role_is_present():
    seed()

    for stage in Stage.values:
        assert Customer.objects.in_stage(stage).exists(), stage
    assert set(HouseholdMember.objects.values_list("role", flat=True)) == set(HouseholdRole.values)
    assert Customer.objects.filter(households__isnull=True).exists()  # prospects without a home


def test_customers_have_valid_ids_and_phones_referrals_and_channels():
    seed()

    for customer in Customer.objects.filter(id_type="resident_id"):
        validate_resident_id(customer.id_number)
        assert customer.id_number_masked.endswith(customer.id_number[-4:])
    for phone in CustomerPhone.objects.all():
        validate_mobile(phone.number)
        assert phone.last4 == phone.number[-4:]
    assert Customer.objects.filter(
        referrer__isnull=False, acquisition_channel=AcquisitionChannel.REFERRAL
    ).exists()
    assert Customer.objects.values("acquisition_channel").distinct().count() >= 4
    for contract in Contract.objects.all():
        contract.full_clean(validate_unique=False, validate_constraints=False)


def test_the_showcase_owner_of_sijihuacheng_3_1_502_can_be_found_by_phone():
    seed()

    unit = Unit.objects.get(project__name="四季花城", project__city_company__name="深圳公司", code="3-1-502")
    owner = unit.household.get(role=HouseholdRole.OWNER).customer
    assert owner.phones.filter(number="13812345678", last4="5678").exists()
    assert unit.contracts.get().primary_buyer == owner


def test_one_demo_login_per_role_with_the_documented_password():
    output = seed()

    expected = {
        "admin": Role.GROUP_ADMIN,
        "cityhead": Role.CITY_HEAD,
        "supervisor": Role.CS_SUPERVISOR,
        "agent": Role.CS_AGENT,
        "engineer": Role.DELIVERY_ENGINEER,
        "dept": Role.DEPARTMENT_STAFF,
        "contractor": Role.CONTRACTOR,
        "manager": Role.READONLY_MANAGER,
    }
    logins = {user.username: user.role for user in User.objects.all() if user.has_usable_password()}
    assert logins == expected
    # The other cities' customer-service accounts handled their complaints; nobody logs in with them.
    assert set(User.objects.exclude(username__in=expected).values_list("role", flat=True)) <= {
        Role.CS_SUPERVISOR
    }
    assert "demo1234" in output
    # django-axes counts every attempt per address: authenticate() needs the request.
    assert authenticate(RequestFactory().post("/login/"), username="agent", password="demo1234") is not None
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.groups.exists()
    assert set(User.objects.get(username="agent").projects.values_list("name", flat=True)) == {
        "四季花城",
        "城市花园",
        "万科城",
    }
    assert list(User.objects.get(username="cityhead").city_companies.values_list("name", flat=True)) == [
        "深圳公司"
    ]
    assert User.objects.get(username="manager").city_companies.count() == 4


def test_a_second_run_creates_nothing_new():
    seed()
    first = counts()
    contracts = set(Contract.objects.values_list("number", "signed_on", "handed_over_on"))

    output = seed()

    assert counts() == first
    assert set(Contract.objects.values_list("number", "signed_on", "handed_over_on")) == contracts
    assert "Created now: nothing" in output


def test_complaints_in_every_status_with_their_work_orders_visits_and_improvements():
    seed()

    demo = Complaint.objects.exclude(sla_policy__name="演示 Demo (3 min)")
    assert demo.filter(number__regex=r"-D[0-9]{5}$").count() == 60
    assert set(demo.values_list("status", flat=True)) == set(Status.values)
    assert WorkOrder.objects.exists() and ReturnVisit.objects.exists() and ImprovementItem.objects.exists()
    case = GroupCase.objects.get()
    assert case.complaints.count() >= 2 and set(case.complaints.values_list("severity", flat=True)) == {
        Severity.GROUP
    }
    for complaint in demo.filter(status=Status.CLOSED, severity=Severity.MAJOR):
        assert complaint.major_report
    for complaint in demo:
        complaint.full_clean(exclude=["number"])
        assert complaint.events.filter(kind="created").count() == 1
    for order in WorkOrder.objects.all():
        order.full_clean(validate_unique=False)


def test_the_seeded_clocks_are_consistent_so_the_first_sweep_fires_nothing_old():
    seed()

    assert sla.sla_sweep() == 0
    # Open complaints already past due carry the alerts the sweep would have fired.
    overdue = Complaint.objects.filter(escalation_level__gt=0)
    for complaint in overdue:
        assert set(complaint.sla_alerts.filter(level__gt=0).values_list("level", flat=True)) == set(
            range(1, complaint.escalation_level + 1)
        )


def test_department_and_contractor_logins_see_their_complaints():
    seed()

    dept = User.objects.get(username="dept")
    contractor = User.objects.get(username="contractor")
    assert dept.department == Department.ENGINEERING
    assert contractor.contractor.name == "中建三局第一分公司"
    assert {"中建三局第一分公司", "万科物业维保中心"} <= set(
        Contractor.objects.values_list("name", flat=True)
    )
    assert Complaint.objects.visible_to(dept).exists()
    assert set(Complaint.objects.visible_to(dept).values_list("department", flat=True)) == {"engineering"}


def test_the_sla_demo_complaint_warns_and_escalates_within_minutes_untouched():
    import datetime

    output = seed()

    policy = SlaPolicy.objects.get(name="演示 Demo (3 min)")
    assert (policy.first_response_minutes, policy.plan_minutes, policy.resolution_minutes) == (3, 6, 10)
    assert (policy.escalation_2_after_minutes, policy.escalation_3_after_minutes) == (2, 4)
    assert (policy.category.code, policy.category.parent.name) == ("sla-demo", "物业服务")
    complaint = Complaint.objects.get(sla_policy=policy)
    assert (
        f"Complaint {complaint.number} will escalate within 5 minutes: watch /complaints/{complaint.pk}/"
        in output
    )
    start = complaint.received_at
    for minutes, level in ((2.5, 0), (3.5, 1), (5.5, 2), (7.5, 3)):
        sla.sla_sweep(now=start + datetime.timedelta(minutes=minutes))
        complaint.refresh_from_db()
        assert complaint.escalation_level == level and complaint.sla_warned
    assert sorted(complaint.sla_alerts.values_list("level", flat=True)) == [0, 1, 2, 3]


def test_the_handover_desk_has_batches_a_queue_defects_and_rectification():
    out = seed()

    assert HandoverBatch.objects.filter(status=HandoverBatch.Status.OPEN).exists()
    assert HandoverBatch.objects.filter(status=HandoverBatch.Status.PLANNING).exists()
    assert Appointment.objects.exists()
    assert Handover.objects.filter(status=Handover.Status.HANDED_OVER).exists()
    assert Inspection.objects.exists()
    # Issued to the contractors and being fixed (with 60 units there are too few to reach 复验).
    assert Defect.objects.filter(status=Defect.Status.FIXING, order__isnull=False).exists()
    assert RectificationOrder.objects.exists()
    # The contractor login has rectification work of its own.
    contractor = User.objects.get(username="contractor")
    assert RectificationOrder.objects.filter(contractor=contractor.contractor).exists()
    # The handover team's logins see the batches.
    engineer = User.objects.get(username="engineer")
    assert HandoverBatch.objects.filter(project__in=engineer.projects.all()).count() == 2
    assert "Handover: " in out


def test_finding_10_3_every_seeded_actor_works_on_the_records_project():
    """Finding 10.3: the demo named one city's staff as actors on another city's complaints. Every
    actor, handler, assignee and author the seed records works on the record's project, and work goes
    only to a company engaged there."""
    seed()
    users = {user.pk: user for user in User.objects.all()}
    engaged = set(Contractor.projects.through.objects.values_list("contractor_id", "project_id"))

    def outside(rows) -> list:
        return [(project, user) for project, user in rows if user and not users[user].scope.covers(project)]

    project_of = dict(Complaint.objects.values_list("pk", "project_id"))
    assert len(set(project_of.values())) > 3  # complaints in several city companies: a real check
    assert not outside(ComplaintEvent.objects.values_list("complaint__project_id", "actor_id"))
    assert not outside(Complaint.objects.values_list("project_id", "handler_id"))
    assert not outside(Complaint.objects.values_list("project_id", "received_by_id"))
    for field in ("issued_by_id", "assignee_id"):
        assert not outside(WorkOrder.objects.values_list("complaint__project_id", field)), field
    assert not outside(WorkOrderNote.objects.values_list("work_order__complaint__project_id", "author_id"))
    assert not outside(ReturnVisit.objects.values_list("complaint__project_id", "visited_by_id"))
    assert not outside(MajorComplaintReport.objects.values_list("complaint__project_id", "author_id"))
    assert not outside(GroupCase.objects.values_list("project_id", "owner_id"))
    assert not outside(
        ImprovementItem.objects.filter(project__isnull=False).values_list("project_id", "owner_id")
    )
    assert not outside(DefectEvent.objects.values_list("defect__project_id", "actor_id"))
    assert not outside(Defect.objects.values_list("project_id", "reported_by_id"))
    assert not outside(RectificationOrder.objects.values_list("project_id", "issued_by_id"))
    for model, project in ((WorkOrder, "complaint__project_id"), (Defect, "project_id")):
        work = set(model.objects.filter(contractor__isnull=False).values_list("contractor_id", project))
        assert work <= engaged, model.__name__
    assert set(RectificationOrder.objects.values_list("contractor_id", "project_id")) <= engaged
    for order in WorkOrder.objects.filter(assignee__role=Role.CONTRACTOR).select_related("complaint"):
        assert users[order.assignee_id].scope.is_firm_work(
            contractor_id=order.contractor_id, project_id=order.complaint.project_id
        )


def test_finding_10_3_the_demo_contractor_sees_its_companys_work_in_its_projects_only():
    seed()

    contractor = User.objects.get(username="contractor")
    firm = contractor.contractor
    mine = set(contractor.projects.values_list("pk", flat=True))
    assert set(firm.projects.values_list("city_company__code", flat=True)) == {"sz", "wh"}
    assert mine <= set(firm.projects.values_list("pk", flat=True))
    visible = WorkOrder.objects.visible_to(contractor)
    assert visible.exists()
    assert set(visible.values_list("complaint__project_id", flat=True)) <= mine
    assert set(visible.values_list("contractor_id", flat=True)) == {firm.pk}
    assert set(Complaint.objects.visible_to(contractor).values_list("project_id", flat=True)) <= mine
    assert set(Defect.objects.visible_to(contractor).values_list("project_id", flat=True)) <= mine
    assert Defect.objects.visible_to(contractor).exists()


def test_issue_13_a_few_open_complaints_are_breached_by_days_not_months():
    import datetime

    from django.utils import timezone

    seed(complaints=200)

    now = timezone.now()
    open_ = [
        c
        for c in Complaint.objects.open().exclude(sla_policy__name="演示 Demo (3 min)")
        if c.current_due_at is not None
    ]
    breached = [now - c.current_due_at for c in open_ if c.current_due_at < now]
    assert len(open_) > 20
    assert len(breached) < 0.1 * len(open_)
    assert max(breached, default=datetime.timedelta(0)) < datetime.timedelta(days=30)
    # A breached complaint was warned first, at the warning's moment, before its due time.
    for complaint in Complaint.objects.filter(escalation_level__gt=0):
        warning = complaint.sla_alerts.get(level=0, round=complaint.reopen_count, target=complaint.sla_target)
        assert warning.fired_at < complaint.current_due_at


def test_issue_13_seeded_defects_are_found_before_they_are_due_and_escalate_over_time():
    from delivery.models import DefectAlert

    # Units enough for the rectification seed to reach its two overdue defects.
    call_command("seed_demo", units=600, customers=500, complaints=10, verbosity=0, stdout=io.StringIO())

    for defect in Defect.objects.all():
        if defect.clock_started_at is not None:
            assert defect.found_at <= defect.clock_started_at < defect.due_at
        for moment in (defect.fixed_at, defect.verified_at, defect.accepted_at):
            assert moment is None or moment > defect.found_at
    fixed = [d.fixed_at - d.found_at for d in Defect.objects.filter(fixed_at__isnull=False)]
    assert fixed and sum(fixed, datetime.timedelta(0)) / len(fixed) > datetime.timedelta(days=1)
    alerts = list(DefectAlert.objects.select_related("defect"))
    assert alerts
    assert len({alert.fired_at for alert in alerts}) > len(alerts) // 2  # spread, not all at one minute
    for alert in alerts:
        assert alert.fired_at > alert.defect.found_at
        assert (alert.fired_at < alert.due_at) == (alert.level == 0)
