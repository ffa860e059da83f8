"""Risk pre-control: the five checkpoints with follow-ups, and the project risk page (checkpoints,
red-line coverage, open commitments) in scope and at a constant cost."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from customers.services import ConcurrentEditError
from lifecycle.models import RiskCheckpoint
from lifecycle.services import red_line, risk
from tests.factories import ContractFactory, UnitFactory, UserFactory
from tests.lifecycle.factories import CommitmentFactory, RedLineItemFactory, RiskCheckpointFactory


@pytest.mark.django_db
def test_a_checkpoint_is_planned_once_per_project_and_kind(supervisor, project, agent):
    checkpoint = risk.risk_checkpoint_create(
        by=supervisor,
        project=project,
        kind="show_flat",
        owner=supervisor,
        planned_on=datetime.date(2026, 5, 1),
    )
    with pytest.raises(ValidationError) as error:
        risk.risk_checkpoint_create(by=supervisor, project=project, kind="show_flat")
    assert "kind" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        risk.risk_checkpoint_create(by=agent, project=project, kind="pre_handover")
    done = risk.risk_checkpoint_update(
        by=supervisor,
        checkpoint=checkpoint,
        version=1,
        done_on=datetime.date(2026, 1, 5),
        findings="样板房与交付标准不一致: 厨房台面",
    )
    assert done.version == 2
    with pytest.raises(ConcurrentEditError):
        risk.risk_checkpoint_update(by=supervisor, checkpoint=checkpoint, version=1, findings="x")


@pytest.mark.django_db
def test_follow_up_actions_need_text_and_an_owner_in_scope(supervisor, project, other_agent):
    checkpoint = RiskCheckpointFactory(project=project)
    with pytest.raises(ValidationError) as error:
        risk.risk_action_create(by=supervisor, checkpoint=checkpoint, text=" ", owner=other_agent)
    assert set(error.value.message_dict) == {"text", "owner"}
    action = risk.risk_action_create(
        by=supervisor, checkpoint=checkpoint, text="更换台面样品", owner=supervisor
    )
    action = risk.risk_action_update(by=supervisor, action=action, version=1, status="done", note="已更换")
    assert (action.status, action.version) == ("done", 2)


def _fill(project, supervisor, owned_unit, n: int):
    for index, (kind, _label) in enumerate(RiskCheckpoint.Kind.choices[: min(n, 5)]):
        checkpoint = RiskCheckpointFactory(project=project, kind=kind, owner=supervisor)
        for _ in range(n):
            risk.risk_action_create(
                by=supervisor, checkpoint=checkpoint, text=f"跟进{index}", owner=supervisor
            )
    for _ in range(n):
        item = RedLineItemFactory(project=project)
        item.photos.create(image="red_line/2026/01/x.jpg")
    contract = owned_unit.contracts.get()
    disclosure = red_line.disclosure_publish(by=supervisor, project=project)
    red_line.acknowledgement_record(
        by=supervisor,
        contract=contract,
        disclosure=disclosure,
        signed_by_name="张伟",
        signed_on=datetime.date(2026, 1, 2),
    )
    for i in range(n):
        CommitmentFactory(contract=contract, department="sales", text=f"承诺{i}")
        ContractFactory(unit=UnitFactory(building=owned_unit.building, number=f"{i + 10}01"))


@pytest.mark.django_db
def test_the_risk_page_shows_checkpoints_coverage_and_open_commitments(
    client, agent, supervisor, project, owned_unit
):
    _fill(project, supervisor, owned_unit, 2)
    client.force_login(agent)
    response = client.get(reverse("lifecycle:project_risk", args=[project.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-checkpoint=") == 5  # every kind, planned or not
    assert "Not planned yet." in html  # three of five are not
    # 1 of 3 active contracts acknowledged the version holding each item
    assert html.count('data-testid="coverage">1 / 3<') == 2
    assert "承诺0" in html and "承诺1" in html
    assert response.context["open_total"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 8])
def test_the_risk_page_costs_the_same_for_few_or_many(
    client, agent, supervisor, project, owned_unit, n, django_assert_max_num_queries
):
    _fill(project, supervisor, owned_unit, n)
    client.force_login(agent)
    # session + user (2), scope (2), the project (1), checkpoints and their actions (2), red-line
    # items and photos (2), their coverage (1), active contracts (1), disclosures (1), open
    # commitments and their count by department (2), the bell (1) → 15.
    with django_assert_max_num_queries(15):
        response = client.get(reverse("lifecycle:project_risk", args=[project.pk]))
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_risk_page_is_scoped_and_for_staff_roles(client, other_agent, project):
    url = reverse("lifecycle:project_risk", args=[project.pk])
    client.force_login(other_agent)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(username="dept", role=Role.DEPARTMENT_STAFF, projects=[project]))
    assert client.get(url).status_code == 403
