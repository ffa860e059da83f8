"""The registers' API: scope, roles, versions, cursor paging, constant queries; the batch guard
through the published versions and acknowledgements."""

import pytest

from lifecycle.models import Commitment, RiskCheckpoint
from tests.api import client_for
from tests.lifecycle.factories import CommitmentFactory, RedLineItemFactory

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_commitments_are_listed_in_scope_and_written_with_versions(
    supervisor, agent, other_agent, owned_unit
):
    contract = owned_unit.contracts.get()
    writer = client_for(supervisor)
    response = writer.post(
        f"{API}/commitments/",
        {
            "contract": contract.pk,
            "text": "赠送一年物业费",
            "promised_by_name": "王销售",
            "department": "sales",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response["ETag"] == '"1"'

    assert client_for(agent).get(f"{API}/commitments/").json()["results"][0]["id"] == pk
    assert client_for(other_agent).get(f"{API}/commitments/").json()["results"] == []
    assert client_for(other_agent).get(f"{API}/commitments/{pk}/").status_code == 404
    # an agent reads but does not write
    response = client_for(agent).post(
        f"{API}/commitments/", {"contract": contract.pk, "text": "x", "promised_by_name": "y"}, format="json"
    )
    assert response.status_code == 403

    assert (
        writer.patch(f"{API}/commitments/{pk}/", {"text": "赠送两年物业费"}, format="json").status_code == 428
    )
    assert (
        writer.patch(
            f"{API}/commitments/{pk}/", {"text": "赠送两年物业费", "version": 9}, format="json"
        ).status_code
        == 409
    )
    response = writer.patch(
        f"{API}/commitments/{pk}/", {"text": "赠送两年物业费"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    response = writer.post(
        f"{API}/commitments/{pk}/settle/", {"status": "waived", "version": 2}, format="json"
    )
    assert response.status_code == 400 and "note" in response.json()
    response = writer.post(
        f"{API}/commitments/{pk}/settle/",
        {"status": "fulfilled", "note": "已兑现", "version": 2},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "fulfilled"


def test_a_contract_outside_the_scope_reads_as_unknown(other_agent, group_admin, owned_unit, other_project):
    from accounts.models import Role
    from tests.factories import UserFactory

    boss = UserFactory(username="otherboss", role=Role.CS_SUPERVISOR, projects=[other_project])
    response = client_for(boss).post(
        f"{API}/commitments/",
        {"contract": owned_unit.contracts.get().pk, "text": "x", "promised_by_name": "y"},
        format="json",
    )
    assert response.status_code == 400 and "contract" in response.json()


@pytest.mark.parametrize("rows", [2, 25])
def test_the_commitment_list_is_cursor_paged_at_constant_cost(
    agent, owned_unit, rows, django_assert_max_num_queries
):
    CommitmentFactory.create_batch(rows, contract=owned_unit.contracts.get())
    client = client_for(agent)
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/commitments/", {"page_size": 10})
    body = response.json()
    assert len(body["results"]) == min(rows, 10) and "count" not in body
    assert (body["next"] is not None) == (rows > 10)
    assert client.get(f"{API}/commitments/", {"cursor": "!!!"}).status_code == 400


def test_red_line_items_disclosures_and_acknowledgements(supervisor, engineer, agent, project, owned_unit):
    writer = client_for(supervisor)
    response = writer.post(
        f"{API}/red-line-items/",
        {
            "project": project.pk,
            "side": "outside",
            "kind": "high_speed_rail",
            "location": "小区北侧",
            "distance_m": "150.0",
            "material": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    item = response.json()
    bad = writer.post(
        f"{API}/red-line-items/",
        {"project": project.pk, "side": "outside", "kind": "volcano", "location": "x", "distance_m": "-1"},
        format="json",
    )
    assert bad.status_code == 400 and {"kind", "distance_m"} <= set(bad.json())
    response = writer.patch(
        f"{API}/red-line-items/{item['id']}/", {"location": "小区北侧约150米", "version": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["version"] == 2

    assert (
        client_for(agent).post(f"{API}/disclosures/", {"project": project.pk}, format="json").status_code
        == 403
    )
    response = writer.post(f"{API}/disclosures/", {"project": project.pk}, format="json")
    assert response.status_code == 201
    disclosure = response.json()
    assert disclosure["number"] == 1 and disclosure["items"] == [item["id"]]
    assert disclosure["snapshot"][0]["location"] == "小区北侧约150米"

    contract = owned_unit.contracts.get()
    ack = {"contract": contract.pk, "signed_by_name": "张伟", "signed_on": "2026-01-10"}
    url = f"{API}/disclosures/{disclosure['id']}/acknowledge/"
    assert client_for(agent).post(url, ack, format="json").status_code == 403
    assert client_for(engineer).post(url, ack, format="json").status_code == 201
    assert client_for(engineer).post(url, ack, format="json").status_code == 400  # once per version
    assert client_for(agent).get(f"{API}/disclosures/").json()["results"][0]["signed"] == 1


def test_risk_checkpoints_with_actions(supervisor, agent, other_agent, project):
    writer = client_for(supervisor)
    response = writer.post(
        f"{API}/risk-checkpoints/",
        {"project": project.pk, "kind": "pre_handover", "owner": supervisor.pk, "planned_on": "2026-06-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    again = writer.post(
        f"{API}/risk-checkpoints/", {"project": project.pk, "kind": "pre_handover"}, format="json"
    )
    assert again.status_code == 400 and "kind" in again.json()
    response = writer.post(
        f"{API}/risk-checkpoints/{pk}/actions/",
        {"text": "补充防水测试", "owner": supervisor.pk},
        format="json",
    )
    assert response.status_code == 201 and response.json()["actions"][0]["text"] == "补充防水测试"
    response = writer.patch(
        f"{API}/risk-checkpoints/{pk}/", {"findings": "3栋屋面渗漏风险", "version": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    assert client_for(agent).get(f"{API}/risk-checkpoints/{pk}/").status_code == 200
    assert client_for(other_agent).get(f"{API}/risk-checkpoints/{pk}/").status_code == 404
    assert RiskCheckpoint.objects.get().findings == "3栋屋面渗漏风险"


def test_the_registers_refuse_roles_outside_them(project):
    from accounts.models import Role
    from tests.factories import UserFactory

    contractor_like = UserFactory(username="dept", role=Role.DEPARTMENT_STAFF, projects=[project])
    RedLineItemFactory(project=project)
    for path in ("commitments", "red-line-items", "disclosures", "risk-checkpoints"):
        assert client_for(contractor_like).get(f"{API}/{path}/").status_code == 403
    assert not Commitment.objects.exists()
