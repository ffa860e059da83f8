"""The results and the raw answers as Excel: the page's filters and scope, phones masked, names for
roles that may see customers; a big export runs as a job with the same columns."""

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from core import exports
from core.models import ExportJob
from surveys.models import Segment
from tests.factories import CustomerFactory, CustomerPhoneFactory, UserFactory
from tests.surveys.factories import CampaignFactory
from tests.surveys.results_data import respond

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _in(project, name="张伟", phone="13812345678", segment=Segment.STABLE):
    customer = CustomerFactory(city_company=project.city_company, registered_project=project, name=name)
    CustomerPhoneFactory(customer=customer, number=phone, is_primary=True)
    return {
        "customer": customer,
        "city_company": project.city_company,
        "project": project,
        "segment": segment,
    }


@pytest.fixture
def campaign(project, other_project):
    campaign = CampaignFactory()
    respond(
        campaign,
        overall=5,
        repurchase=5,
        recommend=10,
        leaks=["yes"],
        leak_rooms=["kitchen", "bathroom"],
        comments='=HYPERLINK("x")',
        invitation_kwargs=_in(project),
    )
    respond(
        campaign,
        overall=3,
        repurchase=4,
        recommend=6,
        leaks=["no"],
        invitation_kwargs=_in(project, name="李娜", phone="13900001111", segment=Segment.BUYER),
    )
    respond(campaign, overall=1, repurchase=1, recommend=0, invitation_kwargs=_in(other_project, name="王芳"))
    return campaign  # fmt: skip


def _rows(client, name, **params):
    response = client.get(reverse("exports:start", args=[name]), params)
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content)
    return [
        tuple(r)
        for r in load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True)
    ]


def test_raw_answers_one_row_per_response_in_scope_phones_masked(client, city_head, campaign):
    client.force_login(city_head)
    header, *rows = _rows(client, "survey-answers", campaign=campaign.pk)
    assert header[:4] == ("Response", "Completed at", "Customer", "Phone")
    assert any(str(h).startswith("overall") for h in header) and any(
        str(h).startswith("comments") for h in header
    )
    assert sorted(r[2] for r in rows) == ["张伟", "李娜"]  # 王芳 answered in another city
    by_name = {r[2]: dict(zip(header, r + (None,) * (len(header) - len(r)), strict=True)) for r in rows}
    zhang = by_name["张伟"]
    assert zhang["Phone"] == "138****5678"
    overall = next(h for h in header if str(h).startswith("overall"))
    rooms = next(h for h in header if str(h).startswith("leak_rooms"))
    comments = next(h for h in header if str(h).startswith("comments"))
    assert zhang[overall] == 5 and zhang[rooms] == "Kitchen; Bathroom"
    assert zhang[comments] == '=HYPERLINK("x")'  # written as text, never a formula


def test_raw_answers_follow_the_filters(client, group_admin, campaign):
    client.force_login(group_admin)
    _header, *rows = _rows(client, "survey-answers", campaign=campaign.pk, segment=Segment.BUYER)
    assert [r[2] for r in rows] == ["李娜"]


def test_results_export_has_the_headline_dimensions_and_questions(client, city_head, campaign):
    client.force_login(city_head)
    header, *rows = _rows(client, "survey-results", campaign=campaign.pk)
    assert header[0] == "Section" and header[4] == "Value"
    by_item = {r[1]: r for r in rows}
    assert by_item["L3 loyalty (%)"][2:5] == (2, 1, 50.0)  # 1 of the 2 in the city head's scope
    assert by_item["Recommend score"][4] == 0.0  # one promoter, one detractor
    assert by_item["Follow-ups open"][3] == 0
    assert any(r[0] == "Dimension" for r in rows) and any(r[0] == "Question" for r in rows)


def test_exports_need_survey_rights_and_a_visible_campaign(client, project, other_agent, campaign):
    engineer = UserFactory(role=Role.DELIVERY_ENGINEER, projects=[project])
    client.force_login(engineer)
    assert (
        client.get(reverse("exports:start", args=["survey-answers"]), {"campaign": campaign.pk}).status_code
        == 403
    )
    scoped = CampaignFactory(project=project, city_company=project.city_company)
    respond(scoped, overall=5, invitation_kwargs=_in(project, name="赵敏", phone="13700000000"))
    client.force_login(other_agent)
    _header, *rows = _rows(client, "survey-answers", campaign=scoped.pk)
    assert rows == []
    _header, *rows = _rows(client, "survey-answers", campaign="nonsense")
    assert rows == []


def test_a_big_answers_export_runs_as_a_job_with_the_same_columns(
    client, settings, group_admin, campaign, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_ROWS = 1
    client.force_login(group_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("exports:start", args=["survey-answers"]), {"campaign": campaign.pk})
    assert response.status_code in (200, 302)
    job = ExportJob.objects.get(exporter="survey-answers")
    assert job.status == ExportJob.Status.DONE, job.error
    sheet = load_workbook(
        default_storage.open(exports.export_job_file_name(job), "rb"), read_only=True
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4 and str(rows[0][8]).startswith("overall")


def test_the_results_page_has_both_export_buttons_with_its_filters(client, group_admin, campaign):
    client.force_login(group_admin)
    html = client.get(
        reverse("surveys:results", args=[campaign.pk]), {"segment": Segment.BUYER}
    ).content.decode()
    assert (
        f"{reverse('exports:start', args=['survey-answers'])}?campaign={campaign.pk}&amp;segment=buyer"
        in html
    )
    assert (
        f"{reverse('exports:start', args=['survey-results'])}?campaign={campaign.pk}&amp;segment=buyer"
        in html
    )
