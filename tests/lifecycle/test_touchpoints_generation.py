"""Generating touchpoints from contracts' dates: boundaries to the day, working days across holidays and
a year end, reruns, moved dates, cancelled contracts."""

from __future__ import annotations

import datetime

import pytest

from customers.models import Contract
from lifecycle.models import Touchpoint, TouchpointPlan
from lifecycle.schedule import WorkingDays, add_months, due_for
from lifecycle.services.generation import touchpoints_generate
from tests.factories import ContractFactory, UnitFactory
from tests.lifecycle.factories import plan

D = datetime.date


def only(*codes: str) -> None:
    """Switch every default plan off but these (each test looks at one plan)."""
    TouchpointPlan.objects.exclude(code__in=codes).update(active=False)


def contract(project, **dates) -> Contract:
    defaults = {"subscribed_on": None, "signed_on": None, "contractual_handover_on": None}
    return ContractFactory(unit=UnitFactory(building__project=project), **{**defaults, **dates})


def due_dates(code: str) -> list[datetime.date]:
    return sorted(Touchpoint.objects.filter(plan__code=code).values_list("due_on", flat=True))


@pytest.mark.django_db
def test_default_plans_cover_the_6_plus_2_steps():
    codes = set(TouchpointPlan.objects.values_list("code", flat=True))
    assert {
        "welcome_call",
        "mortgage_help",
        "progress_letter",
        "site_open_day",
        "pre_inspection_invitation",
        "care_call_1m",
        "care_call_3m",
        "care_call_12m",
        "four_year_review",
    } <= codes
    welcome = plan("welcome_call")
    assert (welcome.trigger, welcome.offset, welcome.working_days) == ("signed", 3, True)
    assert welcome.name_zh == "签约欢迎电话" and welcome.script_zh and welcome.script_en
    assert plan("four_year_review").step == "+2"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("signed", "due"),
    [
        (D(2025, 6, 9), D(2025, 6, 12)),  # Monday → Thursday
        (D(2025, 6, 13), D(2025, 6, 18)),  # Friday → Wednesday (a weekend is not working time)
        (D(2025, 9, 26), D(2025, 9, 30)),  # Sunday 28 Sep 2025 is a make-up working day
        (D(2025, 9, 30), D(2025, 10, 11)),  # over the National Day week to Saturday's make-up day
        (D(2025, 12, 30), D(2026, 1, 5)),  # across the year end: 1–3 Jan off, Sunday 4 Jan works
    ],
)
def test_welcome_call_is_due_three_working_days_after_signing(signed, due):
    assert (
        due_for(
            plan("welcome_call"),
            WorkingDays(),
            signed_on=signed,
            contractual_handover_on=None,
            handed_over_on=None,
        )
        == due
    )


def test_months_after_handover_clamp_to_the_month_end():
    assert add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)
    assert add_months(D(2024, 2, 29), 48) == D(2028, 2, 29)


@pytest.mark.django_db
def test_created_exactly_at_the_horizon_not_a_day_before(project):
    only("welcome_call")
    contract(project, signed_on=D(2025, 6, 9))  # due Thursday 12 June
    assert touchpoints_generate(today=D(2025, 6, 11), horizon_days=0, overdue_days=30).created == 0
    assert touchpoints_generate(today=D(2025, 6, 11), horizon_days=1, overdue_days=30).created == 1
    assert due_dates("welcome_call") == [D(2025, 6, 12)]


@pytest.mark.django_db
def test_overdue_is_bounded(project):
    only("welcome_call")
    contract(project, signed_on=D(2025, 6, 9))  # due 12 June
    assert touchpoints_generate(today=D(2025, 7, 13), horizon_days=30, overdue_days=30).created == 0
    result = touchpoints_generate(today=D(2025, 7, 12), horizon_days=30, overdue_days=30)
    assert result.created == 1


@pytest.mark.django_db
def test_a_rerun_creates_nothing(project):
    only("welcome_call", "mortgage_help")
    for _n in range(3):
        contract(project, signed_on=D(2025, 6, 9))
    first = touchpoints_generate(today=D(2025, 6, 9), batch_size=2)
    assert (first.created, first.batches) == (6, 2)
    again = touchpoints_generate(today=D(2025, 6, 9), batch_size=2)
    assert (again.created, again.moved) == (0, 0)
    assert Touchpoint.objects.count() == 6
    touchpoint = Touchpoint.objects.filter(plan__code="welcome_call").first()
    assert touchpoint.role == "cs_agent" and touchpoint.status == "open" and touchpoint.assignee is None
    assert touchpoint.project_id == project.pk and touchpoint.city_company_id == project.city_company_id


@pytest.mark.django_db
def test_pre_inspection_before_the_contractual_handover_moves_with_it(project):
    only("pre_inspection_invitation")
    sale = contract(project, signed_on=D(2024, 1, 10), contractual_handover_on=D(2025, 7, 31))
    touchpoints_generate(today=D(2025, 6, 20))
    assert due_dates("pre_inspection_invitation") == [D(2025, 7, 1)]  # 30 days before, a Tuesday
    # The handover is postponed by three months: the untouched task follows, far beyond the horizon.
    sale.contractual_handover_on = D(2025, 11, 2)
    sale.save()
    result = touchpoints_generate(today=D(2025, 6, 21))
    assert (result.created, result.moved) == (0, 1)
    # 3 Oct is in the National Day holiday: an invitation goes out before, on the last working day.
    assert due_dates("pre_inspection_invitation") == [D(2025, 9, 30)]
    touchpoint = Touchpoint.objects.get()
    assert touchpoint.due_at.date() == D(2025, 9, 30) and touchpoint.next_check_at.date() == D(2025, 9, 30)


@pytest.mark.django_db
def test_a_touchpoint_already_worked_keeps_its_date(project):
    only("pre_inspection_invitation")
    sale = contract(project, signed_on=D(2024, 1, 10), contractual_handover_on=D(2025, 7, 31))
    touchpoints_generate(today=D(2025, 6, 20))
    Touchpoint.objects.update(status="no_answer", attempts=1)
    sale.contractual_handover_on = D(2025, 11, 2)
    sale.save()
    assert touchpoints_generate(today=D(2025, 6, 21)).moved == 0
    assert due_dates("pre_inspection_invitation") == [D(2025, 7, 1)]


@pytest.mark.django_db
def test_care_calls_after_the_actual_handover(project):
    only("care_call_1m", "care_call_3m", "care_call_12m", "four_year_review")
    contract(project, signed_on=D(2023, 1, 10), handed_over_on=D(2024, 12, 31))
    touchpoints_generate(today=D(2025, 1, 31), horizon_days=400, overdue_days=0)
    # A month on is 31 Jan 2025, in the Spring Festival holiday (28 Jan–4 Feb): the next working day.
    assert due_dates("care_call_1m") == [D(2025, 2, 5)]
    assert due_dates("care_call_3m") == [D(2025, 3, 31)]
    assert due_dates("care_call_12m") == [D(2025, 12, 31)]
    assert due_dates("four_year_review") == []  # four years on is beyond the horizon
    # Handed over on New Year's Day: a year on is a holiday too, the Sunday make-up day after it.
    dates = {"signed_on": D(2023, 1, 10), "contractual_handover_on": None, "handed_over_on": D(2025, 1, 1)}
    assert due_for(plan("care_call_12m"), WorkingDays(), **dates) == D(2026, 1, 4)
    dates["handed_over_on"] = D(2021, 6, 15)
    assert due_for(plan("four_year_review"), WorkingDays(), **dates) == D(2025, 6, 16)  # 15th: a Sunday


@pytest.mark.django_db
def test_quarterly_progress_letters_during_construction_only(project):
    only("progress_letter")
    building = contract(project, signed_on=D(2025, 2, 10), contractual_handover_on=D(2026, 12, 31))
    contract(project, signed_on=D(2025, 2, 10), handed_over_on=D(2025, 3, 20))  # handed over: none
    contract(project, signed_on=D(2025, 4, 1))  # signed on the quarter's first day: the next one
    touchpoints_generate(today=D(2025, 3, 25), horizon_days=30, overdue_days=0)
    letters = Touchpoint.objects.filter(plan__code="progress_letter")
    assert [(t.contract_id, t.occurrence, t.due_on) for t in letters] == [(building.pk, 20252, D(2025, 4, 1))]
    # Across the year end: the Q1 2026 letter waits for the first working day after New Year.
    touchpoints_generate(today=D(2025, 12, 20), horizon_days=30, overdue_days=0)
    assert due_dates("progress_letter")[-1] == D(2026, 1, 4)
    assert Touchpoint.objects.filter(plan__code="progress_letter", contract=building).count() == 2
    assert Touchpoint.objects.filter(plan__code="progress_letter", occurrence=20261).count() == 2  # + April's
    assert touchpoints_generate(today=D(2025, 12, 21), horizon_days=30, overdue_days=0).created == 0


@pytest.mark.django_db
def test_cancelled_contracts_and_inactive_plans_generate_nothing(project):
    only("welcome_call")
    contract(project, signed_on=D(2025, 6, 9), status=Contract.Status.CANCELLED)
    plan_row = plan("mortgage_help")
    assert not plan_row.active
    contract(project, signed_on=D(2025, 6, 9))
    assert touchpoints_generate(today=D(2025, 6, 9)).created == 1


@pytest.mark.django_db
def test_a_resold_unit_calls_its_new_buyer(project):
    only("welcome_call")
    first = contract(project, signed_on=D(2025, 6, 9))
    touchpoints_generate(today=D(2025, 6, 9))
    first.status = Contract.Status.CANCELLED
    first.save()
    ContractFactory(
        unit=first.unit, subscribed_on=None, signed_on=D(2025, 6, 10), contractual_handover_on=None
    )
    assert touchpoints_generate(today=D(2025, 6, 10)).created == 1
    assert Touchpoint.objects.filter(unit=first.unit).count() == 2
