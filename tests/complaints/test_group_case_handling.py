"""A group case (群诉) handled as a case: its owner, plan, crisis flag, messages to every member's owner
through the outbox, and its path open → handling → resolved → closed (with its report) → reopened.
The services, their rules (complaints.services.rules CASE_*), the upgrade migration and the demo."""

import importlib
import uuid

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import Department, Role
from complaints import services
from complaints.models import (
    Complaint,
    ComplaintEvent,
    GroupCase,
    GroupCaseEvent,
    GroupCaseMessage,
    Status,
)
from complaints.services import rules
from core.models import OutboxMessage
from customers.services import ConcurrentEditError
from notifications.models import Notification
from tests.factories import CustomerFactory, CustomerPhoneFactory, UserFactory

pytestmark = pytest.mark.django_db
Kind = GroupCaseEvent.Kind


@pytest.fixture
def case(make_complaint, supervisor):
    return services.group_case_create(
        by=supervisor, title="B2车库渗漏群诉", complaints=[make_complaint(), make_complaint()]
    )


@pytest.fixture
def other_supervisor(project):
    return UserFactory(username="supervisor2", role=Role.CS_SUPERVISOR, projects=[project])


def fresh(case) -> GroupCase:
    return GroupCase.objects.get(pk=case.pk)


def kinds(case) -> list[str]:
    return list(GroupCaseEvent.objects.filter(case=case).values_list("kind", flat=True))


def planned(case, by):
    return services.group_case_agree_plan(case=case, by=by, plan="统一排查顶板，一周内修复")


def resolved(case, by):
    return services.group_case_resolve(case=planned(case, by), by=by, resolution="顶板防水已修复")


def resolve_members(case, by):
    for complaint in Complaint.objects.filter(group_case=case):
        complaint = services.complaint_dispatch(complaint=complaint, by=by, department=Department.ENGINEERING)
        complaint = services.complaint_agree_plan(complaint=complaint, by=by, plan="修补")
        services.complaint_resolve(complaint=complaint, by=by, resolution="已修复")


def reported(case, by):
    services.group_case_report_save(
        case=case, by=by, cause="顶板防水层破损", handling="返工", lessons="验收加测"
    )
    return fresh(case)


# --- the path ------------------------------------------------------------------------------------------


def test_a_new_case_is_open_without_an_owner_and_its_timeline_starts(case, supervisor):
    assert (case.status, case.owner_id, case.version) == (GroupCase.Status.OPEN, None, 1)
    (created,) = GroupCaseEvent.objects.filter(case=case)
    assert (created.kind, created.actor) == (Kind.CREATED, supervisor)
    assert created.data["complaints"] == sorted(case.complaints.values_list("pk", flat=True))


def test_the_path_runs_open_handling_resolved_closed_and_reopens(case, supervisor):
    case = planned(case, supervisor)
    assert case.status == GroupCase.Status.HANDLING
    assert (case.plan_agreed_by, case.plan_agreed_at is not None) == (supervisor, True)
    case = services.group_case_resolve(case=case, by=supervisor, resolution="已修复")
    assert (case.status, case.resolved_at is not None) == (GroupCase.Status.RESOLVED, True)
    resolve_members(case, supervisor)
    case = reported(case, supervisor)
    case = services.group_case_close(case=case, by=supervisor, note="全部业主已答复")
    assert (case.status, case.closed_at is not None) == (GroupCase.Status.CLOSED, True)
    case = services.group_case_reopen(case=case, by=supervisor, reason="雨季再次渗漏")
    assert (case.status, case.resolved_at, case.closed_at) == (GroupCase.Status.HANDLING, None, None)

    assert kinds(case) == [
        Kind.CREATED,
        Kind.PLAN_AGREED,
        Kind.RESOLVED,
        Kind.REPORT,
        Kind.CLOSED,
        Kind.REOPENED,
    ]
    assert fresh(case).version == 1 + 5  # the next version at each of the five steps


@pytest.mark.parametrize(
    ("action", "statuses"),
    [(action, sorted(statuses)) for action, statuses in rules.CASE_TRANSITIONS.items()],
)
def test_every_action_is_refused_from_a_status_outside_its_table(case, supervisor, action, statuses):
    """The table is the rule: from every other status the service refuses with a status message."""
    for status in set(GroupCase.Status.values) - set(statuses):
        GroupCase.objects.filter(pk=case.pk).update(status=status)
        refusal = rules.case_state_refusal(fresh(case), action)
        assert refusal is not None and "status" in refusal.message_dict, (action, status)


def test_resolving_an_open_case_is_refused_by_the_service(case, supervisor):
    with pytest.raises(ValidationError) as error:
        services.group_case_resolve(case=case, by=supervisor, resolution="x")
    assert "status" in error.value.message_dict
    assert fresh(case).status == GroupCase.Status.OPEN


def test_a_case_closes_only_with_its_report(case, supervisor):
    case = resolved(case, supervisor)
    resolve_members(case, supervisor)

    with pytest.raises(ValidationError) as error:
        services.group_case_close(case=fresh(case), by=supervisor)
    assert "report" in error.value.message_dict
    assert fresh(case).status == GroupCase.Status.RESOLVED

    case = reported(case, supervisor)
    assert services.group_case_close(case=case, by=supervisor).status == GroupCase.Status.CLOSED


def test_a_case_closes_only_when_every_complaint_in_it_is_resolved_or_closed(case, supervisor):
    case = reported(resolved(case, supervisor), supervisor)
    numbers = sorted(case.complaints.values_list("number", flat=True))

    with pytest.raises(ValidationError) as error:
        services.group_case_close(case=case, by=supervisor)

    assert all(number in error.value.message_dict["complaints"][0] for number in numbers)
    assert fresh(case).status == GroupCase.Status.RESOLVED


def test_the_report_needs_all_three_parts(case, supervisor):
    case = planned(case, supervisor)
    with pytest.raises(ValidationError) as error:
        services.group_case_report_save(case=case, by=supervisor, cause="原因", handling=" ", lessons="")
    assert set(error.value.message_dict) == {"handling", "lessons"}
    assert not fresh(case).has_report


def test_an_empty_plan_is_refused(case, supervisor):
    with pytest.raises(ValidationError) as error:
        services.group_case_agree_plan(case=case, by=supervisor, plan="  ")
    assert "plan" in error.value.message_dict


def test_reopening_needs_a_reason(case, supervisor):
    case = resolved(case, supervisor)
    with pytest.raises(ValidationError):
        services.group_case_reopen(case=case, by=supervisor, reason="")
    assert fresh(case).status == GroupCase.Status.RESOLVED


def test_a_resolved_case_takes_no_more_complaints(case, make_complaint, supervisor):
    resolved(case, supervisor)
    newcomer = make_complaint(title="又一户")

    with pytest.raises(ValidationError) as error:
        services.complaint_join_group_case(complaint=newcomer, by=supervisor, group_case=fresh(case))

    assert "group_case" in error.value.message_dict
    assert Complaint.objects.get(pk=newcomer.pk).group_case_id is None


def test_a_case_being_handled_takes_a_complaint_and_its_timeline_says_so(case, make_complaint, supervisor):
    planned(case, supervisor)
    newcomer = make_complaint(title="又一户")

    services.complaint_join_group_case(complaint=newcomer, by=supervisor, group_case=fresh(case))

    joined = GroupCaseEvent.objects.get(case=case, kind=Kind.JOINED)
    assert (joined.note, joined.data) == (newcomer.number, {"complaints": [newcomer.pk]})


# --- who may --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CS_AGENT, Role.DEPARTMENT_STAFF, Role.READONLY_MANAGER])
def test_only_supervisors_and_heads_manage_a_case(case, project, role):
    user = UserFactory(role=role, projects=[project], department=Department.ENGINEERING)
    with pytest.raises(PermissionDenied):
        services.group_case_agree_plan(case=case, by=user, plan="x")
    with pytest.raises(PermissionDenied):
        services.group_case_flag_crisis(case=case, by=user, reason="x")
    with pytest.raises(PermissionDenied):
        services.group_case_message_owners(case=case, by=user, subject="s", text="t", key=uuid.uuid4())
    assert services.case_allowed_actions(case, user) == frozenset()
    assert fresh(case).version == 1


def test_a_city_head_manages_the_cases_of_their_city(case, city_head):
    assert services.group_case_agree_plan(case=case, by=city_head, plan="x").status == "handling"


def test_a_supervisor_of_another_city_may_not_touch_the_case(case, other_project):
    outsider = UserFactory(role=Role.CS_SUPERVISOR, projects=[other_project])
    with pytest.raises(PermissionDenied):
        services.group_case_agree_plan(case=case, by=outsider, plan="x")
    assert fresh(case).status == GroupCase.Status.OPEN


def test_the_owner_is_a_supervisor_or_head_working_on_the_project(
    case, supervisor, other_supervisor, city_head
):
    case = services.group_case_assign_owner(case=case, by=supervisor, owner=other_supervisor)
    assert fresh(case).owner == other_supervisor
    event = GroupCaseEvent.objects.get(case=case, kind=Kind.OWNER_ASSIGNED)
    assert event.data == {"owner": other_supervisor.pk}
    # The new owner hears of it; assigning oneself tells nobody.
    assert Notification.objects.filter(recipient=other_supervisor, kind="group_case_owner").count() == 1
    services.group_case_assign_owner(case=fresh(case), by=city_head, owner=city_head)
    assert not Notification.objects.filter(recipient=city_head).exists()


@pytest.mark.parametrize(
    "make_owner",
    [
        lambda project, other: UserFactory(role=Role.CS_AGENT, projects=[project]),
        lambda project, other: UserFactory(role=Role.CS_SUPERVISOR, projects=[other]),
        lambda project, other: UserFactory(role=Role.CS_SUPERVISOR, projects=[project], is_active=False),
        lambda project, other: UserFactory(role=Role.GROUP_ADMIN),
    ],
    ids=["an agent", "a supervisor elsewhere", "a former colleague", "a group administrator"],
)
def test_anyone_else_as_owner_is_refused(case, supervisor, project, other_project, make_owner):
    with pytest.raises(ValidationError) as error:
        services.group_case_assign_owner(case=case, by=supervisor, owner=make_owner(project, other_project))
    assert "owner" in error.value.message_dict
    assert fresh(case).owner_id is None


def test_a_stale_version_is_a_conflict_and_changes_nothing(case, supervisor):
    planned(case, supervisor)  # version 2 now

    with pytest.raises(ConcurrentEditError):
        services.group_case_resolve(case=case, by=supervisor, resolution="x", expected_version=1)
    with pytest.raises(ConcurrentEditError):
        services.group_case_report_save(
            case=case, by=supervisor, cause="a", handling="b", lessons="c", expected_version=1
        )
    assert fresh(case).status == GroupCase.Status.HANDLING
    assert not fresh(case).has_report


def test_the_page_is_offered_what_the_rules_allow(case, supervisor, agent, city_head):
    assert services.case_allowed_actions(case, supervisor) == {
        "case_owner",
        "case_plan",
        "case_message",
        "case_crisis",
    }
    case = services.group_case_flag_crisis(case=case, by=supervisor, reason="媒体")
    assert "case_crisis_clear" not in services.case_allowed_actions(case, supervisor)  # the heads' call
    assert "case_crisis_clear" in services.case_allowed_actions(case, city_head)
    assert services.case_allowed_actions(case, agent) == frozenset()


def test_allowed_actions_are_what_the_services_accept(case, supervisor, city_head):
    for state in ("open", "handling", "resolved", "closed"):
        GroupCase.objects.filter(pk=case.pk).update(status=state, is_crisis=state == "handling")
        for user in (supervisor, city_head):
            for action in services.case_allowed_actions(fresh(case), user):
                rules.require_case_state(fresh(case), action)
                rules.require_case_actor(fresh(case), user, action)


# --- the crisis flag ---------------------------------------------------------------------------------------


@pytest.fixture
def heads(city, other_city):
    """The city company's head (with an email), one without an email, a head elsewhere, an admin."""
    return {
        "head": UserFactory(role=Role.CITY_HEAD, city_companies=[city], email="head@example.com"),
        "silent_head": UserFactory(role=Role.CITY_HEAD, city_companies=[city], email=""),
        "far_head": UserFactory(role=Role.CITY_HEAD, city_companies=[other_city], email="far@example.com"),
        "admin": UserFactory(role=Role.GROUP_ADMIN, email="admin@example.com"),
        "former_head": UserFactory(
            role=Role.CITY_HEAD, city_companies=[city], email="gone@example.com", is_active=False
        ),
    }


def test_flagging_a_crisis_tells_the_city_heads_and_the_admins_at_once(
    case, supervisor, heads, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = services.group_case_flag_crisis(case=case, by=supervisor, reason="业主计划联系媒体")

    assert (case.is_crisis, case.crisis_reason) == (True, "业主计划联系媒体")
    told = set(Notification.objects.filter(kind="group_case_crisis").values_list("recipient", flat=True))
    assert told == {heads["head"].pk, heads["silent_head"].pk, heads["admin"].pk}
    emails = OutboxMessage.objects.filter(kind="group_case_crisis")
    assert set(emails.values_list("recipient", flat=True)) == {"head@example.com", "admin@example.com"}
    assert set(emails.values_list("status", flat=True)) == {"sent"}  # the senders ran on commit
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@example.com", "head@example.com"]
    assert case.number in mail.outbox[0].subject and "业主计划联系媒体" in mail.outbox[0].body
    assert kinds(case)[-1] == Kind.CRISIS_FLAGGED


def test_the_crisis_messages_are_written_in_the_flags_transaction(case, supervisor, heads):
    """Rolled back with it: a failure after the flag leaves neither the flag nor a message."""
    with pytest.raises(RuntimeError), transaction.atomic():
        services.group_case_flag_crisis(case=case, by=supervisor, reason="媒体")
        assert OutboxMessage.objects.filter(kind="group_case_crisis").count() == 2
        raise RuntimeError("the request failed later")

    assert not fresh(case).is_crisis
    assert not OutboxMessage.objects.exists() and not Notification.objects.exists()


def test_a_crisis_is_flagged_once_and_declared_over_by_a_head(case, supervisor, city_head, heads):
    case = services.group_case_flag_crisis(case=case, by=supervisor, reason="媒体")
    with pytest.raises(ValidationError):
        services.group_case_flag_crisis(case=case, by=supervisor, reason="again")
    with pytest.raises(PermissionDenied):
        services.group_case_clear_crisis(case=case, by=supervisor)

    case = services.group_case_clear_crisis(case=case, by=city_head, note="已与业主代表沟通")
    assert (case.is_crisis, case.crisis_reason, case.crisis_flagged_at) == (False, "", None)

    # Flagged again later: the heads are told again (a new event, new message keys).
    services.group_case_flag_crisis(case=case, by=supervisor, reason="再次聚集")
    assert OutboxMessage.objects.filter(kind="group_case_crisis", recipient="head@example.com").count() == 2
    assert kinds(case)[-3:] == [Kind.CRISIS_FLAGGED, Kind.CRISIS_CLEARED, Kind.CRISIS_FLAGGED]


# --- writing to every owner of the case ----------------------------------------------------------------


@pytest.fixture
def neighbours(make_complaint, project, owner, supervisor):
    """A case of five complaints: 张伟 (SMS, two complaints), an owner by email, one by WeChat, one who
    chose email without an address (SMS then), one with no phone or email, and an unmatched public one."""

    def customer(name, channel, phone=None, email="", openid=""):
        person = CustomerFactory(
            city_company=project.city_company,
            registered_project=project,
            name=name,
            preferred_channel=channel,
            email=email,
        )
        if openid:
            type(person).objects.filter(pk=person.pk).update(wechat_openid=openid)
            person.refresh_from_db()
        if phone:
            CustomerPhoneFactory(customer=person, number=phone)
        return person

    people = {
        "emailer": customer("李娜", "email", phone="13900000001", email="lina@example.com"),
        "wechat": customer("王强", "wechat", phone="13900000002", openid="o-wangqiang"),
        "no_email": customer("赵敏", "email", phone="13900000003"),
        "nobody": customer("钱多", "phone"),
    }
    complaints = [make_complaint(), make_complaint(title="我家车也被淋")]  # 张伟's two
    complaints += [make_complaint(customer=person, unit=None, project=project) for person in people.values()]
    complaints.append(
        make_complaint(
            customer=None, unit=None, project=project, reporter_name="孙先生", reporter_phone="13700000000"
        )
    )
    case = services.group_case_create(by=supervisor, title="车库渗漏", complaints=complaints)
    return case, people, complaints


def write(case, by, key=None, **extra):
    return services.group_case_message_owners(
        case=case,
        by=by,
        subject=extra.pop("subject", "车库渗漏处理进展"),
        text=extra.pop("text", "尊敬的业主：B2层渗漏本周修复，临时车位在B1层。"),
        key=key or uuid.uuid4(),
        **extra,
    )


def test_one_message_reaches_every_owner_once_on_their_channel(neighbours, supervisor, owner):
    case, people, complaints = neighbours

    message, created = write(case, supervisor)

    assert created
    rows = {row.recipient: row for row in OutboxMessage.objects.filter(kind="group_case_message")}
    assert {recipient: row.channel for recipient, row in rows.items()} == {
        "13812345678": "sms",  # 张伟: one message for his two complaints
        "lina@example.com": "email",
        "o-wangqiang": "wechat",
        "13900000003": "sms",  # chose email, has no address: the mobile
    }
    assert rows["lina@example.com"].subject == "车库渗漏处理进展"
    assert rows["13812345678"].body == "尊敬的业主：B2层渗漏本周修复，临时车位在B1层。"
    assert rows["o-wangqiang"].template_params["subject"] == "车库渗漏处理进展"
    assert (
        rows["13812345678"].idempotency_key
        == f"group-case.{case.pk}.message-{message.pk}.customer-{owner.pk}"
    )
    # No way to reach 钱多; the public complaint has no customer record.
    assert message.queued == 4
    assert message.unreachable == [complaints[5].number, complaints[6].number]


def test_the_same_key_sends_nothing_twice(neighbours, supervisor):
    case, _people, _complaints = neighbours
    key = uuid.uuid4()

    first, created = write(case, supervisor, key=key)
    again, created_again = write(fresh(case), supervisor, key=key, text="双击的第二次")

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.text != "双击的第二次"
    assert OutboxMessage.objects.filter(kind="group_case_message").count() == 4
    assert GroupCaseMessage.objects.count() == 1
    assert kinds(case).count(Kind.MESSAGE_SENT) == 1

    write(fresh(case), supervisor)  # a new message, a new key: sent again
    assert OutboxMessage.objects.filter(kind="group_case_message").count() == 8


def test_the_messages_leave_through_the_outbox_on_commit(
    neighbours, supervisor, sms_outbox, wechat_outbox, django_capture_on_commit_callbacks
):
    case, _people, _complaints = neighbours
    with django_capture_on_commit_callbacks(execute=True):
        write(case, supervisor)

    assert sorted(text.phone for text in sms_outbox) == ["13812345678", "13900000003"]
    assert [sent.openid for sent in wechat_outbox] == ["o-wangqiang"]
    assert [email.to for email in mail.outbox] == [["lina@example.com"]]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_the_message_is_on_the_case_and_on_every_member_complaint(neighbours, supervisor):
    case, _people, complaints = neighbours
    message, _created = write(case, supervisor)

    sent = GroupCaseEvent.objects.get(case=case, kind=Kind.MESSAGE_SENT)
    assert sent.data == {"message": message.pk, "queued": 4, "unreachable": message.unreachable}
    events = ComplaintEvent.objects.filter(kind=ComplaintEvent.Kind.GROUP_MESSAGE)
    assert sorted(events.values_list("complaint_id", flat=True)) == sorted(c.pk for c in complaints)
    reached = dict(events.values_list("complaint__number", "data__reached"))
    assert reached[complaints[0].number] is True and reached[complaints[5].number] is False


def test_an_empty_message_or_a_closed_case_sends_nothing(neighbours, supervisor):
    case, _people, _complaints = neighbours
    with pytest.raises(ValidationError) as error:
        write(case, supervisor, text="  ")
    assert "text" in error.value.message_dict
    GroupCase.objects.filter(pk=case.pk).update(status=GroupCase.Status.CLOSED)
    with pytest.raises(ValidationError):
        write(fresh(case), supervisor)
    assert not OutboxMessage.objects.exists() and not GroupCaseMessage.objects.exists()


# --- the upgrade and the demo --------------------------------------------------------------------------


def test_existing_cases_become_open_or_closed_by_their_complaints(make_complaint, supervisor, leak, project):
    migration = importlib.import_module("complaints.migrations.0010_group_cases_handled_as_cases")
    still_open = services.group_case_create(
        by=supervisor, title="a", complaints=[make_complaint(), make_complaint()]
    )
    all_closed = services.group_case_create(
        by=supervisor, title="b", complaints=[make_complaint(), make_complaint()]
    )
    empty = GroupCase.objects.create(
        title="c", project=project, category=leak, status=GroupCase.Status.CLOSED
    )
    Complaint.objects.filter(group_case=all_closed).update(
        status=Status.CLOSED, closed_at="2026-10-01T08:00:00Z"
    )
    GroupCase.objects.update(status="closed")

    migration.status_from_member_complaints(apps, None)

    assert fresh(still_open).status == "open"
    assert (fresh(all_closed).status, fresh(all_closed).closed_at.isoformat()) == (
        "closed",
        "2026-10-01T08:00:00+00:00",
    )
    assert fresh(empty).status == "open"
    assert not GroupCase.objects.filter(owner__isnull=False).exists()
