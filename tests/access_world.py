"""The access matrix's world: two city companies holding one record of every kind each, and one user
per role in the first (plus a group administrator and a city head of the second).

Every record of a city carries a marker (its number or a name nothing else holds) so that a response
can be searched for the other city's records. Built from tests/factories and the apps' factories,
with the services where a record needs its number, deadlines or tokens.
"""

from __future__ import annotations

import datetime
import importlib
import io
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import Role
from complaints.models import Category, GroupCase, ImprovementItem, ReturnVisit, WorkOrder
from complaints.services import complaint_create
from core.exports import export_job_file_name
from core.models import ExportJob
from customers.models import ImportJob
from delivery.models import (
    Appointment,
    AppointmentSlot,
    ChecklistTemplate,
    Defect,
    Handover,
    HandoverBatch,
    Inspection,
    ReadinessItem,
    RectificationOrder,
)
from lifecycle.models import (
    ConstructionNews,
    Disclosure,
    NewsPhoto,
    RepresentativeLink,
    RiskAction,
    TouchpointPlan,
)
from membership.models import Registration
from membership.services.consents import unsubscribe_token
from membership.services.events import event_invite_token
from notifications.models import Notification
from surveys.models import FollowUp, SurveyTemplate
from tests.factories import (
    BuildingFactory,
    CityCompanyFactory,
    ContractFactory,
    ContractorFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    HouseholdMemberFactory,
    PhaseFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
)
from tests.lifecycle.factories import (
    CommitmentFactory,
    RedLineItemFactory,
    RenovationItemFactory,
    RiskCheckpointFactory,
    TouchpointFactory,
)
from tests.membership.factories import (
    BenefitFactory,
    CareTaskFactory,
    EventFactory,
    MemberFactory,
    PointsEntryFactory,
    ReferralFactory,
)
from tests.surveys.factories import CampaignFactory, completed_invitation

# The users of the matrix, in the order of its columns: one per role of the first city company, then
# an anonymous visitor and a city head of the second city company.
ROLE_USERS = tuple(role.value for role in Role)
ANONYMOUS, OTHER_CITY = "anonymous", "other_city"
USERS = (*ROLE_USERS, ANONYMOUS, OTHER_CITY)

DEPARTMENT = "engineering"
_complaint_seed = importlib.import_module("complaints.migrations.0002_seed_categories_and_policies")
_delivery_seed = importlib.import_module("delivery.migrations.0002_seed_checklist_and_deadlines")


@dataclass
class City:
    """One city company's records by kind, and the strings that name them in a response."""

    company: object
    records: dict[str, object] = field(default_factory=dict)
    markers: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    home: City
    other: City
    users: dict[str, object]  # column → user (None for the anonymous visitor)
    contractor_firm: object

    def foreign_city(self, column: str) -> City | None:
        """The city a column's user must see nothing of (none for the group admin)."""
        if column == Role.GROUP_ADMIN:
            return None
        return self.home if column == OTHER_CITY else self.other

    def foreign_markers(self, column: str) -> dict[str, str]:
        city = self.foreign_city(column)
        return city.markers if city else {}


def seed_world() -> World:
    # The data migrations' categories, SLA policies and checklist (a transactional test's flush drops them).
    _complaint_seed.seed(apps, None)
    _delivery_seed.seed(apps, None)
    # One contractor company engaged in both cities: its user in the first sees none of its second-city work.
    firm = ContractorFactory(name="矩阵测试施工单位", trade="civil")
    admin = UserFactory(username="m-admin", role=Role.GROUP_ADMIN, is_staff=True, is_superuser=True)
    home = _seed_city("mx1", "甲", firm)
    other = _seed_city("mx2", "乙", firm)
    users = {Role.GROUP_ADMIN.value: admin, **home.records.pop("users"), ANONYMOUS: None}
    users[OTHER_CITY] = other.records.pop("users")[Role.CITY_HEAD.value]
    return World(home=home, other=other, users=users, contractor_firm=firm)


def _seed_city(code: str, tag: str, firm) -> City:
    """One city company: its estate, an owner, staff of every role, and one record of every kind."""
    now = timezone.now()
    today = timezone.localdate()
    company = CityCompanyFactory(code=code, name=f"{tag}城公司", city=f"{tag}城")
    city = City(company=company)
    records, markers = city.records, city.markers
    project = ProjectFactory(city_company=company, code=f"{code}-p", name=f"{tag}城花园")
    # A project still to be launched: the club's public purchase-intention form is for it.
    upcoming = ProjectFactory(
        city_company=company,
        code=f"{code}-next",
        name=f"{tag}城云城",
        launched_on=today + datetime.timedelta(days=30),
    )
    firm.projects.add(project)
    phase = PhaseFactory(project=project, name=f"{tag}城一期")
    building = BuildingFactory(project=project, phase=phase, number=f"{tag}9")
    unit = UnitFactory(building=building, number="1801", floor=18)
    customer = CustomerFactory(city_company=company, registered_project=project, name=f"{tag}城业主")
    CustomerPhoneFactory(customer=customer)
    duplicate = CustomerFactory(city_company=company, registered_project=project, name=f"{tag}城重复业主")
    contract = ContractFactory(unit=unit, primary_buyer=customer, number=f"HT-MATRIX-{code}")
    member_of_household = HouseholdMemberFactory(unit=unit, customer=customer)
    records.update(
        city_company=company,
        project=project,
        upcoming_project=upcoming,
        phase=phase,
        building=building,
        unit=unit,
        customer=customer,
        duplicate=duplicate,
        contract=contract,
        household_member=member_of_household,
    )
    markers.update(
        city_company=company.name,
        project=project.name,
        upcoming_project=upcoming.name,
        customer=customer.name,
        duplicate=duplicate.name,
        contract=contract.number,
    )

    users = {
        Role.CITY_HEAD.value: UserFactory(
            username=f"{code}-head", role=Role.CITY_HEAD, city_companies=[company]
        ),
        Role.CS_SUPERVISOR.value: UserFactory(
            username=f"{code}-supervisor", role=Role.CS_SUPERVISOR, projects=[project]
        ),
        Role.CS_AGENT.value: UserFactory(username=f"{code}-agent", role=Role.CS_AGENT, projects=[project]),
        Role.DELIVERY_ENGINEER.value: UserFactory(
            username=f"{code}-engineer", role=Role.DELIVERY_ENGINEER, projects=[project]
        ),
        Role.DEPARTMENT_STAFF.value: UserFactory(
            username=f"{code}-dept", role=Role.DEPARTMENT_STAFF, projects=[project], department=DEPARTMENT
        ),
        Role.CONTRACTOR.value: UserFactory(
            username=f"{code}-contractor", role=Role.CONTRACTOR, projects=[project], contractor=firm
        ),
        Role.READONLY_MANAGER.value: UserFactory(
            username=f"{code}-manager", role=Role.READONLY_MANAGER, city_companies=[company]
        ),
        # The privacy auditor has no scope: the access log only, of every city company.
        Role.AUDITOR.value: UserFactory(username=f"{code}-auditor", role=Role.AUDITOR),
    }
    records["users"] = users
    agent, supervisor = users[Role.CS_AGENT.value], users[Role.CS_SUPERVISOR.value]
    engineer = users[Role.DELIVERY_ENGINEER.value]

    # Complaints: a complaint dispatched to the department, its work order for the firm, a group case.
    leak = Category.objects.get(code="leak")
    complaint = complaint_create(
        by=agent,
        customer=customer,
        unit=unit,
        category=leak,
        complaint_type="complaint",
        channel="hotline",
        title=f"{tag}城车库漏水",
        description="地下车库B2层持续漏水",
    )
    complaint.department = DEPARTMENT
    complaint.save(update_fields=["department"])
    group_case = GroupCase.objects.create(
        number=f"QS-MATRIX-{code}", title=f"{tag}城群诉", project=project, category=leak, owner=supervisor
    )
    complaint.group_case = group_case
    complaint.save(update_fields=["group_case"])
    work_order = WorkOrder.objects.create(
        complaint=complaint,
        number=f"PD-MATRIX-{code}",
        department=DEPARTMENT,
        contractor=firm,
        description="检修管道",
        due_at=now + datetime.timedelta(days=2),
        issued_by=agent,
    )
    ReturnVisit.objects.create(complaint=complaint, attempt=1, reached=True, satisfaction=5, visited_by=agent)
    improvement = ImprovementItem.objects.create(
        title=f"{tag}城改进项", department=DEPARTMENT, project=project, created_by=supervisor
    )
    records.update(complaint=complaint, work_order=work_order, group_case=group_case, improvement=improvement)
    markers.update(
        complaint=complaint.number,
        complaint_title=complaint.title,
        work_order=work_order.number,
        group_case=group_case.number,
        improvement=improvement.title,
    )

    # Handover: a batch with a unit, a slot and an appointment, an inspection with a defect for the firm,
    # its rectification order.
    batch = HandoverBatch.objects.create(
        project=project,
        phase=phase,
        name=f"{tag}城一期交付",
        starts_on=today + datetime.timedelta(days=7),
        ends_on=today + datetime.timedelta(days=9),
        site="大堂",
        lead=supervisor,
    )
    batch.buildings.add(building)
    readiness = ReadinessItem.objects.create(batch=batch, title=f"{tag}城水电表读数")
    handover = Handover.objects.create(batch=batch, project=project, unit=unit)
    slot = AppointmentSlot.objects.create(
        batch=batch,
        date=batch.starts_on,
        starts_at=datetime.time(9, 0),
        ends_at=datetime.time(10, 0),
        capacity=2,
    )
    # A second unit of the batch, already handed over: its sign-off.
    signed = Handover.objects.create(
        batch=batch,
        project=project,
        unit=UnitFactory(building=building, number="1802", floor=18),
        status=Handover.Status.HANDED_OVER,
        signed_by_name=f"{tag}城签收人",
        signed_at=now,
        handed_over_by=engineer,
    )
    appointment = Appointment.objects.create(slot=slot, handover=handover, customer=customer, channel="agent")
    inspection = Inspection.objects.create(
        handover=handover, kind="pre_inspection", inspector=engineer, started_at=now
    )
    order = RectificationOrder.objects.create(
        number=f"ZG-MATRIX-{code}", project=project, contractor=firm, issued_by=engineer
    )
    defect = Defect.objects.create(
        number=f"QX-MATRIX-{code}",
        project=project,
        unit=unit,
        handover=handover,
        inspection=inspection,
        room="客厅",
        trade="civil",
        severity="minor",
        description=f"{tag}城墙面开裂",
        contractor=firm,
        order=order,
        reported_by=engineer,
        found_at=now,
    )
    records.update(
        batch=batch,
        readiness_item=readiness,
        handover=handover,
        signed_handover=signed,
        slot=slot,
        appointment=appointment,
        inspection=inspection,
        defect=defect,
        rectification_order=order,
    )
    markers.update(
        batch=batch.name,
        signed_handover=signed.signed_by_name,
        defect=defect.number,
        rectification_order=order.number,
    )
    city.tokens["booking"] = str(handover.booking_token)

    # Surveys: a campaign of the city, an answered invitation and its follow-up.
    campaign = CampaignFactory(name=f"{tag}城满意度调查", city_company=company, created_by=supervisor)
    invitation = completed_invitation(
        {"overall": 1, "repurchase": 1, "recommend": 0, "quality": 1, "leaks": ["yes"], "comments": "差"},
        campaign=campaign,
        customer=customer,
        project=project,
        unit=unit,
    )
    follow_up = FollowUp.objects.create(
        invitation=invitation,
        customer=customer,
        city_company=company,
        project=project,
        reason=f"{tag}城不满意回访",
        due_at=now + datetime.timedelta(days=2),
        assignee=supervisor,
    )
    question = campaign.template_version.questions.get(code="comments")
    records.update(campaign=campaign, invitation=invitation, follow_up=follow_up, question=question)
    markers.update(campaign=campaign.name, follow_up=follow_up.reason)
    city.tokens["survey"] = invitation.token

    # The club: a member of the city with points, an event with a registration, a benefit of the city,
    # a referral, a purchase intention, a care task.
    member = MemberFactory(
        number=f"WK-MATRIX-{code}",
        city_company=company,
        project=project,
        customer=customer,
        name=f"{tag}城会员",
    )
    event = EventFactory(title=f"{tag}城业主联谊会", city_company=company, project=project)
    registration = Registration.objects.create(event=event, member=member, status="registered")
    benefit = BenefitFactory(title=f"{tag}城商户九折券", city_company=company)
    points = PointsEntryFactory(member=member, points=50, reason=f"{tag}城活动积分")
    referral = ReferralFactory(referrer=member, project=project, friend_name=f"{tag}城朋友")
    intention = apps.get_model("membership", "PurchaseIntention").objects.create(
        project=project,
        member=member,
        name=f"{tag}城意向客户",
        phone="13900001111",
        unit_type="3br",
        channel="staff",
    )
    care = CareTaskFactory(member=member, due_on=today)
    records.update(
        member=member,
        event=event,
        registration=registration,
        benefit=benefit,
        points_entry=points,
        referral=referral,
        intention=intention,
        care_task=care,
    )
    markers.update(
        member=member.number,
        member_name=member.name,
        event=event.title,
        benefit=benefit.title,
        points_entry=points.reason,
        referral=referral.friend_name,
        intention=intention.name,
    )
    city.tokens.update(
        registration=registration.token,
        event_invite=event_invite_token(event=event, member=member),
        unsubscribe=unsubscribe_token(member),
    )

    # The lifecycle: a touchpoint, a commitment, the red line and its disclosure, risk, the four-year
    # items and link, construction news.
    touchpoint = TouchpointFactory(contract=contract, due_on=today)
    commitment = CommitmentFactory(contract=contract, text=f"{tag}城赠送车位")
    red_line = RedLineItemFactory(project=project, location=f"{tag}城北侧变电箱")
    disclosure = Disclosure.objects.create(
        project=project, number=1, published_at=now, published_by=supervisor
    )
    disclosure.items.add(red_line)
    checkpoint = RiskCheckpointFactory(project=project, findings=f"{tag}城图纸会审")
    risk_action = RiskAction.objects.create(checkpoint=checkpoint, text=f"{tag}城整改措施", owner=supervisor)
    renovation = RenovationItemFactory(project=project, title=f"{tag}城外立面翻新")
    link = RepresentativeLink.objects.create(project=project, label=f"{tag}城业委会", created_by=supervisor)
    news = ConstructionNews.objects.create(
        project=project,
        title=f"{tag}城主体封顶",
        text="主体结构封顶",
        progress_on=today,
        created_by=supervisor,
    )
    photo = NewsPhoto.objects.create(news=news, image="news/matrix.jpg")
    records.update(
        touchpoint=touchpoint,
        commitment=commitment,
        red_line=red_line,
        disclosure=disclosure,
        checkpoint=checkpoint,
        risk_action=risk_action,
        renovation=renovation,
        representative_link=link,
        news=news,
        news_photo=photo,
    )
    markers.update(
        commitment=commitment.text,
        red_line=red_line.location,
        checkpoint=checkpoint.findings,
        risk_action=risk_action.text,
        renovation=renovation.title,
        news=news.title,
    )
    city.tokens["four_year"] = link.token

    # A person's own records: the supervisor's notification, the city head's import and export jobs.
    head = users[Role.CITY_HEAD.value]
    records["notification"] = Notification.objects.create(
        recipient=supervisor, kind="sla", title=f"{tag}城超时提醒", link=f"/complaints/{complaint.pk}/"
    )
    markers["notification"] = records["notification"].title
    records["import_job"] = ImportJob.objects.create(
        created_by=head, file_name=f"{tag}城导入.xlsx", token=f"matrix-import-{code}"
    )
    records["export_job"] = ExportJob.objects.create(
        created_by=head,
        exporter="customers",
        file_name=f"{tag}城导出.xlsx",
        token=f"matrix-export-{code}",
        status=ExportJob.Status.DONE,
        finished_at=now,
    )
    workbook = Workbook()
    workbook.active.append([customer.name])
    stream = io.BytesIO()
    workbook.save(stream)
    # In the default storage, under MEDIA_ROOT: the caller sets a temporary one.
    default_storage.save(export_job_file_name(records["export_job"]), ContentFile(stream.getvalue()))
    markers.update(import_job=records["import_job"].file_name, export_job=records["export_job"].file_name)
    return city


def reference_records() -> dict[str, object]:
    """The records every city shares (the group's reference data)."""
    return {
        "category": Category.objects.get(code="leak"),
        "checklist_template": ChecklistTemplate.objects.first(),
        "survey_template": SurveyTemplate.objects.first(),
        "touchpoint_plan": TouchpointPlan.objects.get(code="welcome_call"),
        "sla_policy": apps.get_model("complaints", "SlaPolicy").objects.first(),
    }
