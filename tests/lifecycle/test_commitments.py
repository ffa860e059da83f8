"""Sales commitments: the register per contract, its pages, the move of the old free text into rows,
and the flags on the customer page and the handover batch page."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department
from customers.services import ConcurrentEditError
from lifecycle.models import Commitment
from lifecycle.services import commitments as services
from tests.factories import ContractFactory, UnitFactory, photo_upload
from tests.lifecycle.factories import CommitmentFactory

move = importlib.import_module("lifecycle.migrations.0004_move_contract_commitments_into_rows")


@pytest.mark.django_db
def test_the_free_text_becomes_one_open_row_per_line_once(project, owned_unit):
    contract = owned_unit.contracts.get()
    contract.commitments = "赠送一年物业费\n\n - 车位优先选购权 \n"
    contract.save()
    ContractFactory(unit=UnitFactory(building=owned_unit.building, number="602"), commitments="")
    move.move_commitments(apps, None)
    rows = list(Commitment.objects.order_by("pk").values_list("contract_id", "project_id", "text", "status"))
    assert rows == [
        (contract.pk, project.pk, "赠送一年物业费", "open"),
        (contract.pk, project.pk, "车位优先选购权", "open"),
    ]
    move.move_commitments(apps, None)  # a rerun adds nothing
    assert Commitment.objects.count() == 2


@pytest.mark.django_db
def test_a_commitment_needs_text_and_a_promiser(supervisor, owned_unit):
    contract = owned_unit.contracts.get()
    with pytest.raises(ValidationError) as error:
        services.commitment_create(by=supervisor, contract=contract, text=" ", promised_by_name="")
    assert set(error.value.message_dict) == {"text", "promised_by_name"}
    made = services.commitment_create(
        by=supervisor,
        contract=contract,
        text="赠送地下车位使用权两年",
        promised_by_name="王销售(已离职)",
        department=Department.SALES,
        due_on=datetime.date(2026, 6, 30),
        evidence=photo_upload("承诺书.jpg"),
    )
    assert (made.project_id, made.promiser, made.status) == (
        contract.unit.project_id,
        "王销售(已离职)",
        "open",
    )
    assert made.evidence.name.startswith("commitments/")


@pytest.mark.django_db
def test_agents_read_but_may_not_write_and_scope_holds(agent, other_agent, group_admin, owned_unit):
    contract = owned_unit.contracts.get()
    with pytest.raises(PermissionDenied):
        services.commitment_create(by=agent, contract=contract, text="x", promised_by_name="王")
    commitment = CommitmentFactory(contract=contract)
    assert list(Commitment.objects.visible_to(agent)) == [commitment]
    assert not Commitment.objects.visible_to(other_agent).exists()


@pytest.mark.django_db
def test_settling_records_who_when_and_why_with_the_version(supervisor, owned_unit):
    commitment = CommitmentFactory(contract=owned_unit.contracts.get())
    with pytest.raises(ValidationError) as error:
        services.commitment_settle(by=supervisor, commitment=commitment, status="waived", version=1)
    assert "note" in error.value.message_dict
    with pytest.raises(ConcurrentEditError):
        services.commitment_settle(by=supervisor, commitment=commitment, status="fulfilled", version=7)
    settled = services.commitment_settle(
        by=supervisor, commitment=commitment, status="fulfilled", note="已办理车位交接", version=1
    )
    assert (settled.status, settled.settled_by, settled.version) == ("fulfilled", supervisor, 2)
    assert settled.settled_at is not None
    with pytest.raises(ValidationError):
        services.commitment_settle(by=supervisor, commitment=settled, status="waived", note="x", version=2)


@pytest.mark.django_db
def test_the_contract_page_adds_and_settles(client, supervisor, owned_unit):
    contract = owned_unit.contracts.get()
    url = reverse("lifecycle:contract_commitments", args=[contract.pk])
    client.force_login(supervisor)
    response = client.post(url, {"text": "", "promised_by_name": ""})
    assert response.status_code == 400
    assert "Say who promised it" in response.content.decode()
    response = client.post(
        url,
        {"text": "赠送入户花园", "promised_by": supervisor.pk, "department": "sales", "due_on": "2026-05-01"},
    )
    assert response.status_code == 302
    commitment = Commitment.objects.get()
    assert (commitment.promised_by, commitment.department) == (supervisor, "sales")
    settle = reverse("lifecycle:commitment_settle", args=[commitment.pk])
    response = client.post(settle, {"status": "fulfilled", "note": ""})  # no version: refused
    assert response.status_code == 400
    response = client.post(settle, {"status": "fulfilled", "note": "已交付", "version": 1})
    assert response.status_code == 302
    assert Commitment.objects.get().status == "fulfilled"


@pytest.mark.django_db
def test_agents_see_the_contract_page_without_forms_others_get_404(client, agent, other_agent, owned_unit):
    contract = owned_unit.contracts.get()
    CommitmentFactory(contract=contract, text="赠送一年物业费")
    url = reverse("lifecycle:contract_commitments", args=[contract.pk])
    client.force_login(agent)
    response = client.get(url)
    assert response.status_code == 200
    assert "赠送一年物业费" in response.content.decode()
    assert 'data-testid="commitment-add"' not in response.content.decode()
    assert client.post(url, {"text": "x", "promised_by_name": "y"}).status_code == 403
    client.force_login(other_agent)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_project_list_filters_by_status_department_and_overdue(client, supervisor, project, owned_unit):
    contract = owned_unit.contracts.get()
    past = timezone.localdate() - datetime.timedelta(days=3)
    overdue = CommitmentFactory(contract=contract, text="逾期承诺", due_on=past, department="engineering")
    CommitmentFactory(contract=contract, text="未到期承诺", department="sales")
    CommitmentFactory(
        contract=contract, text="已兑现承诺", status="fulfilled", settled_at=timezone.now(), due_on=past
    )
    url = reverse("lifecycle:project_commitments", args=[project.pk])
    client.force_login(supervisor)

    def shown(query):
        html = client.get(url, query).content.decode()
        return {text for text in ("逾期承诺", "未到期承诺", "已兑现承诺") if text in html}

    assert shown({}) == {"逾期承诺", "未到期承诺", "已兑现承诺"}
    assert shown({"status": "open"}) == {"逾期承诺", "未到期承诺"}
    assert shown({"department": "sales"}) == {"未到期承诺"}
    assert shown({"overdue": "on"}) == {"逾期承诺"}
    assert f'data-commitment="{overdue.pk}" class="crm-row-breached"' in client.get(url).content.decode()
    assert client.get(url, {"after": "!!"}).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [2, 30])
def test_the_project_list_costs_the_same_for_few_or_many(
    client, supervisor, project, owned_unit, rows, django_assert_max_num_queries
):
    CommitmentFactory.create_batch(rows, contract=owned_unit.contracts.get())
    client.force_login(supervisor)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("lifecycle:project_commitments", args=[project.pk]))
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_customer_page_flags_open_and_overdue_commitments(client, agent, owner, owned_unit):
    contract = owned_unit.contracts.get()
    CommitmentFactory(
        contract=contract, text="赠送空调", due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    CommitmentFactory(contract=contract, text="赠送车位")
    client.force_login(agent)
    html = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert 'data-testid="customer-commitments"' in html
    assert "赠送空调" in html and "2 open" in html and "1 overdue" in html
    assert reverse("lifecycle:contract_commitments", args=[contract.pk]) in html


@pytest.mark.django_db
def test_the_batch_page_warns_of_open_commitments_without_blocking(client, supervisor, batch, owned_unit):
    from delivery.services import planning as delivery_services

    CommitmentFactory(contract=owned_unit.contracts.get())
    client.force_login(supervisor)
    html = client.get(reverse("delivery:batch-detail", args=[batch.pk])).content.decode()
    assert 'data-testid="batch-warning"' in html and "张伟" in html
    assert 'data-testid="batch-blocker"' not in html
    assert delivery_services.batch_open(by=supervisor, batch=batch).status == "open"


@pytest.mark.django_db
def test_evidence_is_served_only_within_scope(client, supervisor, other_agent, agent, owned_unit):
    made = services.commitment_create(
        by=supervisor,
        contract=owned_unit.contracts.get(),
        text="赠送",
        promised_by_name="王",
        evidence=photo_upload(),
    )
    client.force_login(agent)
    assert client.get(made.evidence.url).status_code == 200
    client.force_login(other_agent)
    assert client.get(made.evidence.url).status_code == 404
