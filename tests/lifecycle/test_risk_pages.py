"""The risk page's writes: red-line items (add with a photo, edit with the version, photos), publishing
a disclosure version, a buyer's signed acknowledgement, checkpoints and their follow-ups; roles,
scope, bad input and stale versions. And the links to the registers: the projects index, the menu,
the property browser's project page, each contract's row."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from lifecycle.models import Acknowledgement, Disclosure, RedLineItem, RiskAction, RiskCheckpoint
from tests.factories import UserFactory, photo_upload
from tests.lifecycle.factories import CommitmentFactory, RedLineItemFactory, RiskCheckpointFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _item_post(**overrides):
    data = {
        "side": "outside",
        "kind": "high_speed_rail",
        "location": "小区北侧 高铁线",
        "distance_m": "180",
        "description": "列车经过时有噪声",
        "material": "on",
    }
    return {**data, **overrides}


@pytest.mark.django_db
def test_a_supervisor_adds_a_red_line_item_with_its_photo(client, supervisor, project):
    client.force_login(supervisor)
    response = client.post(
        reverse("lifecycle:red_line_add", args=[project.pk]), {**_item_post(), "photo": photo_upload()}
    )
    assert response.status_code == 302
    item = RedLineItem.objects.get(project=project)
    assert (item.kind, item.side, item.material, item.distance_m) == ("high_speed_rail", "outside", True, 180)
    assert item.photos.count() == 1
    page = client.get(reverse("lifecycle:project_risk", args=[project.pk])).content.decode()
    assert (
        "小区北侧 高铁线" in page and reverse("lifecycle:red_line_edit", args=[project.pk, item.pk]) in page
    )


@pytest.mark.django_db
def test_bad_red_line_input_shows_the_form_again_and_saves_nothing(client, supervisor, project):
    client.force_login(supervisor)
    not_a_photo = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(
        reverse("lifecycle:red_line_add", args=[project.pk]),
        {**_item_post(kind="volcano", distance_m="-3"), "photo": not_a_photo},
    )
    assert response.status_code == 400
    form = response.context["red_line_form"]
    assert {"kind", "distance_m"} <= set(form.errors)
    response = client.post(
        reverse("lifecycle:red_line_add", args=[project.pk]), {**_item_post(), "photo": not_a_photo}
    )
    assert response.status_code == 400
    assert "photo" in response.context["red_line_form"].errors
    assert not RedLineItem.objects.exists()  # the item and its photo, both or neither


@pytest.mark.django_db
def test_an_item_is_edited_with_its_version_and_a_stale_edit_is_a_conflict(client, supervisor, project):
    item = RedLineItemFactory(project=project, material=False)
    url = reverse("lifecycle:red_line_edit", args=[project.pk, item.pk])
    client.force_login(supervisor)
    assert client.get(url).status_code == 200
    saved = client.post(
        url, {**_item_post(location="地库出入口", kind="car_park_ramp", side="inside"), "version": 1}
    )
    assert saved.status_code == 302
    stale = client.post(url, {**_item_post(location="别处"), "version": 1})
    assert stale.status_code == 409
    missing = client.post(url, _item_post(location="别处"))
    assert missing.status_code == 400  # no version: refused, not last-writer-wins
    item.refresh_from_db()
    assert (item.location, item.kind, item.material, item.version) == ("地库出入口", "car_park_ramp", True, 2)


@pytest.mark.django_db
def test_photos_are_added_to_an_item_one_by_one(client, supervisor, project):
    item = RedLineItemFactory(project=project)
    client.force_login(supervisor)
    url = reverse("lifecycle:red_line_photo_add", args=[project.pk, item.pk])
    assert client.post(url, {"photo": photo_upload()}).status_code == 302
    refused = client.post(
        url, {"photo": SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")}
    )
    assert refused.status_code == 400
    assert item.photos.count() == 1
    page = client.get(reverse("lifecycle:red_line_edit", args=[project.pk, item.pk]))
    assert page.content.decode().count("<img ") == 1


@pytest.mark.django_db
def test_publishing_a_version_and_recording_a_signed_acknowledgement(
    client, supervisor, engineer, project, contract
):
    client.force_login(supervisor)
    publish = reverse("lifecycle:disclosure_publish", args=[project.pk])
    client.post(publish)  # no items yet: refused with a message
    assert not Disclosure.objects.exists()
    RedLineItemFactory(project=project)
    assert client.post(publish).status_code == 302
    disclosure = Disclosure.objects.get(project=project)
    # A delivery engineer records the buyer's signature at handover (they do not edit the register).
    client.force_login(engineer)
    url = reverse("lifecycle:acknowledgement_add", args=[project.pk])
    data = {
        "contract_number": contract.number,
        "disclosure": disclosure.pk,
        "signed_by_name": "张伟",
        "signed_on": "2026-01-02",
        "signed_file": SimpleUploadedFile("signed.pdf", b"%PDF-1.4\n%%EOF", content_type="application/pdf"),
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["acknowledgement_form"].errors
    ack = Acknowledgement.objects.get()
    assert (ack.contract, ack.disclosure, ack.signed_by_name, ack.recorded_by) == (
        contract,
        disclosure,
        "张伟",
        engineer,
    )
    assert ack.signed_file.name.startswith("red_line_signed/")
    again = client.post(url, {**data, "signed_file": ""})
    assert again.status_code == 400
    assert "disclosure" in again.context["acknowledgement_form"].errors
    unknown = client.post(url, {**data, "contract_number": "HT-NOPE", "signed_file": ""})
    assert "contract_number" in unknown.context["acknowledgement_form"].errors
    assert client.post(reverse("lifecycle:red_line_add", args=[project.pk]), _item_post()).status_code == 403


@pytest.mark.django_db
def test_a_checkpoint_is_planned_edited_and_followed_up(client, supervisor, project):
    client.force_login(supervisor)
    add = reverse("lifecycle:checkpoint_add", args=[project.pk])
    response = client.post(add, {"kind": "show_flat", "owner": supervisor.pk, "planned_on": "2026-05-01"})
    assert response.status_code == 302
    again = client.post(add, {"kind": "show_flat"})
    assert again.status_code == 400 and "kind" in again.context["checkpoint_form"].errors
    checkpoint = RiskCheckpoint.objects.get(project=project)
    url = reverse("lifecycle:checkpoint_edit", args=[project.pk, checkpoint.pk])
    future = client.post(url, {"done_on": "2999-01-01", "version": 1})
    assert future.status_code == 400 and "done_on" in future.context["form"].errors
    done = client.post(
        url, {"owner": supervisor.pk, "done_on": "2026-01-05", "findings": "台面不一致", "version": 1}
    )
    assert done.status_code == 302
    assert client.post(url, {"findings": "x", "version": 1}).status_code == 409
    actions = reverse("lifecycle:action_add", args=[project.pk, checkpoint.pk])
    assert client.post(actions, {"text": " "}).status_code == 400
    assert client.post(actions, {"text": "更换台面样品", "owner": supervisor.pk}).status_code == 302
    action = RiskAction.objects.get()
    update = reverse("lifecycle:action_update", args=[project.pk, action.pk])
    assert client.post(update, {"status": "done", "note": "已更换", "version": 1}).status_code == 302
    client.post(update, {"status": "open", "version": 1})  # stale: refused with a message
    action.refresh_from_db()
    checkpoint.refresh_from_db()
    assert (action.status, action.note, action.version) == ("done", "已更换", 2)
    assert (checkpoint.findings, checkpoint.done_on) == ("台面不一致", datetime.date(2026, 1, 5))
    page = client.get(reverse("lifecycle:project_risk", args=[project.pk])).content.decode()
    assert "更换台面样品" in page and "台面不一致" in page


@pytest.mark.django_db
def test_writes_are_for_register_keepers_in_scope(client, agent, supervisor, project, other_project):
    item = RedLineItemFactory(project=project)
    checkpoint = RiskCheckpointFactory(project=project)
    posts = [
        (reverse("lifecycle:red_line_add", args=[project.pk]), _item_post()),
        (reverse("lifecycle:red_line_edit", args=[project.pk, item.pk]), {**_item_post(), "version": 1}),
        (reverse("lifecycle:disclosure_publish", args=[project.pk]), {}),
        (reverse("lifecycle:checkpoint_add", args=[project.pk]), {"kind": "show_flat"}),
        (reverse("lifecycle:checkpoint_edit", args=[project.pk, checkpoint.pk]), {"version": 1}),
        (reverse("lifecycle:action_add", args=[project.pk, checkpoint.pk]), {"text": "x"}),
    ]
    client.force_login(agent)  # reads the registers, may not write them
    assert [client.post(url, data).status_code for url, data in posts] == [403] * len(posts)
    assert client.get(reverse("lifecycle:red_line_edit", args=[project.pk, item.pk])).status_code == 403
    assert (
        "red-line-add"
        not in client.get(reverse("lifecycle:project_risk", args=[project.pk])).content.decode()
    )
    outsider = UserFactory(username="outsider", role=Role.CS_SUPERVISOR, projects=[other_project])
    client.force_login(outsider)
    assert [client.post(url, data).status_code for url, data in posts] == [404] * len(posts)
    # an item of another project is not reached through this one
    client.force_login(supervisor)
    foreign = RedLineItemFactory(project=other_project)
    assert client.get(reverse("lifecycle:red_line_edit", args=[project.pk, foreign.pk])).status_code == 404
    item.refresh_from_db()
    assert item.version == 1 and not RiskCheckpoint.objects.exclude(pk=checkpoint.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 8])
def test_the_risk_page_of_a_register_keeper_costs_the_same_for_few_or_many(
    client, supervisor, project, n, django_assert_max_num_queries
):
    for i in range(n):
        RedLineItemFactory(project=project, location=f"位置{i}")
    client.force_login(supervisor)
    client.post(reverse("lifecycle:disclosure_publish", args=[project.pk]))
    # the reader's 15 (test_risk.py) and the forms' choices: the checkpoint owners, the versions → 17
    with django_assert_max_num_queries(17):
        response = client.get(reverse("lifecycle:project_risk", args=[project.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="red-line-edit"') == n
    assert 'data-testid="acknowledgement-add"' in html and 'data-testid="checkpoint-add"' in html


# --- links to the registers -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_projects_index_lists_the_users_projects_with_their_registers(
    client, agent, project, other_project, contract
):
    CommitmentFactory(contract=contract, due_on=datetime.date(2020, 1, 1))
    CommitmentFactory(contract=contract)
    client.force_login(agent)
    response = client.get(reverse("lifecycle:projects"))
    assert response.status_code == 200
    rows = response.context["projects"]
    assert [(row["pk"], row["open"], row["overdue"]) for row in rows] == [(project.pk, 2, 1)]
    html = response.content.decode()
    for name in ("project_risk", "project_commitments", "project_renovation"):
        assert reverse(f"lifecycle:{name}", args=[project.pk]) in html
    assert reverse("lifecycle:projects") in html  # the 6+2 menu links it
    client.force_login(UserFactory(username="dept", role=Role.DEPARTMENT_STAFF, projects=[project]))
    assert client.get(reverse("lifecycle:projects")).status_code == 403


@pytest.mark.django_db
def test_the_property_browser_and_contract_rows_link_to_the_registers(client, agent, project, contract):
    client.force_login(agent)
    html = client.get(reverse("properties:project-detail", args=[project.pk])).content.decode()
    assert reverse("lifecycle:project_risk", args=[project.pk]) in html
    register = reverse("lifecycle:contract_commitments", args=[contract.pk])
    assert (
        register in client.get(reverse("customers:detail", args=[contract.primary_buyer_id])).content.decode()
    )
    assert register in client.get(reverse("properties:unit-detail", args=[contract.unit_id])).content.decode()
    # the old free-text field is gone from the contract form
    assert (
        'name="commitments"'
        not in client.get(reverse("customers:detail", args=[contract.primary_buyer_id])).content.decode()
    )
