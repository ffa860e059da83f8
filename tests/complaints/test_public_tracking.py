"""The public tracking page of one case: each clock's promise in the owner's words (met / pending /
overdue / on hold) and the history as plain steps, from an allow-list that never shows internal events."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from complaints import sla
from complaints.models import ComplaintEvent, SlaTarget
from complaints.owner_view import INTERNAL_KINDS, PUBLIC_STATUS, PUBLIC_STEPS, owner_case
from complaints.services import (
    complaint_add_note,
    complaint_agree_plan,
    complaint_dispatch,
    complaint_pause,
    complaint_resolve,
    complaint_respond,
    complaint_resume,
    complaint_return_visit,
    group_case_create,
    major_report_save,
    work_order_complete,
    work_order_create,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
TRACK = reverse("public:track")


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock():
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False) as traveller:
        yield traveller


def track(client, complaint):
    """The owner's look-up: the number and the last 4 digits of the owner's phone (13812345678)."""
    response = client.post(TRACK, {"number": complaint.number, "phone_tail": "5678"})
    assert response.status_code == 200 and "case" in response.context, response.content.decode()[:500]
    return response


def promises_of(response) -> dict[str, tuple[str, str]]:
    return {p.target: (p.state, str(p.text)) for p in response.context["case"].promises}


def test_a_new_complaint_shows_all_three_promises_with_their_times(client, clock, make_complaint):
    complaint = make_complaint()

    response = track(client, complaint)

    promises = promises_of(response)
    assert list(promises) == [SlaTarget.FIRST_RESPONSE, SlaTarget.PLAN, SlaTarget.RESOLUTION]
    assert promises[SlaTarget.FIRST_RESPONSE] == ("pending", "We promise to contact you by 2026-11-03 10:00.")
    due_plan = timezone.localtime(complaint.plan_due_at).strftime("%Y-%m-%d %H:%M")
    assert promises[SlaTarget.PLAN] == ("pending", f"We promise to agree a solution with you by {due_plan}.")
    assert promises[SlaTarget.RESOLUTION][0] == "pending"
    html = response.content.decode()
    assert "We promise to contact you by 2026-11-03 10:00." in html
    assert 'data-state="pending"' in html


def test_the_promises_read_in_chinese_by_default(client, clock, make_complaint, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    complaint = make_complaint()

    html = track(client, complaint).content.decode()

    assert "我们承诺在 2026-11-03 10:00 前首次联系您" in html
    assert "我们已收到您的投诉" in html


def test_a_kept_promise_shows_when_and_the_next_one_stays_pending(client, clock, make_complaint, supervisor):
    complaint = make_complaint()
    clock.move_to(at(2026, 11, 2, 15, 30))
    complaint_respond(complaint=complaint, by=supervisor, method="call", content="已电话联系")

    promises = promises_of(track(client, complaint))

    assert promises[SlaTarget.FIRST_RESPONSE] == ("met", "We contacted you on 2026-11-02 15:30.")
    assert promises[SlaTarget.PLAN][0] == "pending"


def test_an_overdue_promise_says_so_and_a_late_one_kept_is_marked_late(
    client, clock, make_complaint, supervisor
):
    complaint = make_complaint()
    clock.move_to(at(2026, 11, 3, 11, 0))  # an hour past the first-response promise

    response = track(client, complaint)
    state, text = promises_of(response)[SlaTarget.FIRST_RESPONSE]
    assert state == "overdue"
    assert text == "We promised to contact you by 2026-11-03 10:00 and are late. Sorry: we are on it."
    assert "Overdue" in response.content.decode()

    complaint_respond(complaint=complaint, by=supervisor, method="call", content="致歉")
    response = track(client, complaint)
    (first, *_rest) = response.context["case"].promises
    assert first.state == "met" and first.kept_late
    assert "Done, later than promised" in response.content.decode()


def test_a_paused_clock_is_on_hold_and_its_promise_moves_on_when_resumed(
    client, clock, make_complaint, supervisor
):
    complaint = make_complaint()
    complaint_pause(complaint=complaint, by=supervisor, reason="业主出差，下周回来")
    clock.move_to(at(2026, 11, 4, 10, 0))  # past the first-response time, but the clock stood still

    response = track(client, complaint)
    html = response.content.decode()
    assert {state for state, _text in promises_of(response).values()} == {"paused"}
    assert "On hold since 2026-11-02 10:00 while we wait for you" in html
    assert "业主出差" not in html  # the reason is written for colleagues

    complaint_resume(complaint=complaint, by=supervisor)
    promises = promises_of(track(client, complaint))
    assert promises[SlaTarget.FIRST_RESPONSE] == ("pending", "We promise to contact you by 2026-11-05 10:00.")


def test_a_resolved_then_closed_case_shows_every_promise_kept(client, clock, make_complaint, supervisor):
    complaint = make_complaint()
    complaint_dispatch(complaint=complaint, by=supervisor, department="engineering")
    complaint_respond(complaint=complaint, by=supervisor, method="call", content="ok")
    complaint_agree_plan(complaint=complaint, by=supervisor, plan="更换防水层")
    complaint_resolve(complaint=complaint, by=supervisor, resolution="已修复")

    response = track(client, complaint)

    assert {state for state, _text in promises_of(response).values()} == {"met"}
    assert promises_of(response)[SlaTarget.RESOLUTION][1] == "The problem was resolved on 2026-11-02 10:00."
    assert str(response.context["case"].status) == "Resolved: we will check with you"


def test_the_history_is_plain_steps_with_the_department_and_nothing_written_by_staff(
    client, clock, make_complaint, supervisor
):
    supervisor.display_name = "客服主管 陈静"
    supervisor.save()
    complaint = make_complaint()
    complaint_dispatch(
        complaint=complaint, by=supervisor, department="engineering", note="内部：先别告诉业主"
    )
    complaint_respond(complaint=complaint, by=supervisor, method="call", content="业主情绪激动")
    complaint_agree_plan(complaint=complaint, by=supervisor, plan="内部方案细节")
    order = work_order_create(
        complaint=complaint,
        by=supervisor,
        description="宏达维修：补防水",
        due_at=timezone.now() + datetime.timedelta(days=2),
        department="engineering",
    )
    work_order_complete(work_order=order, by=supervisor, note="防水层已补")
    complaint_resolve(complaint=complaint, by=supervisor, resolution="已修复")
    complaint_return_visit(complaint=complaint, by=supervisor, reached=False, comment="没人接")

    response = track(client, complaint)

    steps = [(str(step["label"]), str(step["detail"])) for step in response.context["timeline"]]
    assert steps == [
        ("We received your complaint", ""),
        ("Passed to the responsible department", "Engineering (工程)"),
        ("We contacted you", ""),
        ("A solution was agreed with you", ""),
        ("Work to fix the problem was arranged", ""),
        ("Part of the work was finished", ""),
        ("The problem was resolved", ""),
        ("We tried to reach you to check that the problem is solved", ""),
    ]
    html = response.content.decode()
    for written_by_staff in ("陈静", "supervisor", "内部", "情绪", "宏达", "防水", "已修复", "没人接", "PD-"):
        assert written_by_staff not in html


def test_internal_events_are_never_shown(client, clock, make_complaint, supervisor, owner):
    complaint = make_complaint(severity="major")
    for _step in ("warning", "escalation level 1"):  # fired by the SLA sweep, for real
        complaint.refresh_from_db()
        clock.move_to(complaint.sla_next_check_at)
        sla.sla_sweep()
    complaint_add_note(complaint=complaint, by=supervisor, note="内部备注：怀疑楼上")
    other = make_complaint(title="同楼漏水")
    group_case_create(by=supervisor, title="3栋群诉", complaints=[complaint, other])
    major_report_save(
        complaint=complaint, by=supervisor, cause="施工缺陷", handling="返工", lessons="加强巡检"
    )
    internal = set(ComplaintEvent.objects.filter(complaint=complaint).values_list("kind", flat=True))
    assert internal >= {"sla_warning", "escalated", "note", "grouped", "report"}

    response = track(client, complaint)

    kinds_shown = [str(step["label"]) for step in response.context["timeline"]]
    assert kinds_shown == ["We received your complaint"]
    html = response.content.decode()
    for event in ComplaintEvent.objects.filter(complaint=complaint, kind__in=INTERNAL_KINDS):
        assert str(event.get_kind_display()) not in html
        assert not event.note or event.note not in html
    for secret in ("SLA", "Escalat", "内部", "怀疑", "群诉", "施工缺陷", "返工", "巡检"):
        assert secret not in html


def test_every_event_kind_is_either_public_or_internal_on_purpose():
    kinds = set(ComplaintEvent.Kind.values)
    assert set(PUBLIC_STEPS) | INTERNAL_KINDS == kinds
    assert not set(PUBLIC_STEPS) & INTERNAL_KINDS


def test_an_owner_case_reads_no_note_and_one_query_for_its_history(
    clock, make_complaint, supervisor, django_assert_num_queries
):
    complaint = make_complaint()
    complaint_add_note(complaint=complaint, by=supervisor, note="内部")
    with django_assert_num_queries(1) as captured:
        case = owner_case(complaint, now=timezone.now())
    assert len(case.steps) == 1
    assert '"note"' not in captured.captured_queries[0]["sql"]


def test_the_public_step_and_status_texts_are_translated():
    with translation.override("en"):
        english = [str(text) for text in (*PUBLIC_STEPS.values(), *PUBLIC_STATUS.values())]
    with translation.override("zh-hans"):
        assert [text for text in english if translation.gettext(text) == text] == []
