# ruff: noqa: F811 - the owner timeline's fixtures (tests/lifecycle/timeline_fixtures.py) are imported by name
"""The data-subject export (PIPL): everything held about a person in one JSON file inside a ZIP, made
of each app's registered part, for the roles that may reveal every field, logged in the access log."""

import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import LoggedAccess, PersonalDataAccess
from customers.subject_export import customer_subject_export
from delivery.models import Defect
from lifecycle.models import Touchpoint
from surveys.models import Answer
from tests.lifecycle.factories import TouchpointFactory
from tests.lifecycle.timeline_fixtures import complaint, every_kind, leak  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

REASON = {"reason_code": "identity", "reason": "业主书面申请查阅个人信息"}


def _document(content: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        (name,) = archive.namelist()
        assert name.endswith(".json")
        return json.loads(archive.read(name))


@pytest.fixture
def history(every_kind, owner, owned_unit, supervisor):
    """The timeline tests' record of every kind, plus a written survey answer, a defect the owner
    reported after handover and a touchpoint."""
    invitation = every_kind["survey_answer"]
    question = invitation.campaign.template_version.questions.filter(kind="text").first()
    Answer.objects.create(
        invitation=invitation,
        question=question,
        text="物业响应太慢，请回电",
        campaign=invitation.campaign,
        city_company=invitation.city_company,
        dimension=question.dimension,
        is_final=True,
    )
    defect = every_kind["defect"]
    Defect.objects.filter(pk=defect.pk).update(after_handover=True)
    TouchpointFactory(contract=owned_unit.contracts.get(), outcome_note="业主说下周回来")
    return every_kind


def test_the_export_holds_every_part_in_the_clear(history, owner, supervisor):
    name, content = customer_subject_export(customer=owner, by=supervisor, **REASON)

    assert name.startswith(f"customer-{owner.pk}-") and name.endswith(".zip")
    document = _document(content)
    parts = document["parts"]
    assert document["customer_id"] == owner.pk
    assert parts["customer"]["name"] == "张伟"
    assert [phone["number"] for phone in parts["phones"]] == ["13812345678"]
    assert parts["households"] and parts["contracts"]
    (complaint_data,) = parts["complaints"]
    assert complaint_data["description"] == "地下车库B2层持续漏水"
    assert "已电话回复业主" in [event["note"] for event in complaint_data["events"]]
    assert complaint_data["return_visits"][0]["satisfaction"] == 5
    assert [defect["description"] for defect in parts["handover"]["reported_defects"]] == ["墙面开裂"]
    assert parts["handover"]["appointments"]
    answers = [answer["text"] for item in parts["surveys"]["invitations"] for answer in item["answers"]]
    assert "物业响应太慢，请回电" in answers
    (membership,) = parts["club"]
    assert membership["points_entries"][0]["points"] == 50 and membership["event_registrations"]
    assert membership["referrals_made"][0]["friend_phone"].count("*") == 4  # a friend's number stays masked
    assert parts["touchpoints"][0]["outcome"] == "业主说下周回来"
    kinds = {entry["kind"] for entry in parts["timeline"]}
    assert {"complaint", "defect", "club_points"} <= kinds
    assert Touchpoint.objects.filter(customer=owner).count() == 1


def test_the_export_is_logged_in_the_access_log(owner, supervisor):
    customer_subject_export(customer=owner, by=supervisor, ip_address="10.0.0.8", **REASON)

    access = PersonalDataAccess.objects.get()
    assert (access.user, access.customer, access.field, access.channel, access.ip_address) == (
        supervisor,
        owner,
        LoggedAccess.SUBJECT_EXPORT,
        "export",
        "10.0.0.8",
    )
    assert access.reason == REASON["reason"]


def test_only_roles_that_reveal_every_field_may_export(owner, agent):
    with pytest.raises(PermissionDenied):
        customer_subject_export(customer=owner, by=agent, **REASON)
    assert not PersonalDataAccess.objects.exists()


def test_an_export_needs_a_purpose_and_a_reason(owner, supervisor):
    with pytest.raises(ValidationError) as error:
        customer_subject_export(customer=owner, by=supervisor, reason_code="", reason="..")
    assert set(error.value.message_dict) == {"reason_code", "reason"}
    assert not PersonalDataAccess.objects.exists()


def test_the_page_downloads_the_zip_and_refuses_others(client, owner, supervisor, agent, other_city):
    from accounts.models import Role
    from tests.factories import UserFactory

    url = reverse("customers:subject-export", args=[owner.pk])
    client.force_login(supervisor)
    response = client.post(url, REASON)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "no-store"
    assert _document(response.content)["parts"]["customer"]["id_number"] == (owner.id_number or "")
    assert client.post(url, {"reason_code": "", "reason": ""}).status_code == 400

    client.force_login(agent)
    assert client.post(url, REASON).status_code == 403
    client.force_login(UserFactory(role=Role.CITY_HEAD, city_companies=[other_city]))
    assert client.post(url, REASON).status_code == 404
    assert PersonalDataAccess.objects.count() == 1
