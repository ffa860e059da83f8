"""Excel exports (core.exports): a small one downloads at once, a big one runs as a Celery job with
progress and a download link for its creator only; the customer list's export keeps the list's
filters and scope and masks personal data whatever the role; old files expire."""

import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from core import exports
from core.models import ExportJob
from tests.factories import CustomerFactory, CustomerPhoneFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path / "exports"


def sheet_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def download(response) -> bytes:
    return b"".join(response.streaming_content)


def test_small_customer_export_downloads_with_filters_scope_and_masks(
    client, city_head, owner, project, other_project
):
    other = CustomerFactory(city_company=project.city_company, name="李娜", acquisition_channel="referral")
    CustomerPhoneFactory(customer=other, number="13900001111")
    CustomerFactory(city_company=other_project.city_company, name="外地客户")  # out of scope
    client.force_login(city_head)

    everyone = client.post(reverse("exports:start", args=["customers"]), {})
    assert everyone.status_code == 200
    assert everyone["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(download(everyone))
    assert rows[0][:3] == ("Name", "Phone", "ID number")
    assert sorted(row[0] for row in rows[1:]) == ["张伟", "李娜"]
    phones = {row[0]: row[1] for row in rows[1:]}
    assert phones == {"张伟": "138****5678", "李娜": "139****1111"}  # masked, even for a city head

    # The list's filters, posted as the list posts them (the search text stays out of URLs).
    filtered = client.post(reverse("exports:start", args=["customers"]), {"q": "13900001111"})
    assert [row[0] for row in sheet_rows(download(filtered))[1:]] == ["李娜"]


def test_a_role_that_may_reveal_still_gets_masked_phones(client, group_admin, owner):
    assert group_admin.may_reveal("phone")
    client.force_login(group_admin)
    rows = sheet_rows(download(client.post(reverse("exports:start", args=["customers"]))))
    assert "13812345678" not in {cell for row in rows for cell in row}
    assert ("张伟", "138****5678") in {row[:2] for row in rows}


def test_formula_like_text_stays_text(client, city_head, project):
    CustomerFactory(city_company=project.city_company, name='=HYPERLINK("x")')
    client.force_login(city_head)
    content = download(client.post(reverse("exports:start", args=["customers"])))
    cell = load_workbook(io.BytesIO(content)).active["A2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("x")'


def test_an_unknown_export_is_404_and_a_role_without_customers_is_403(client, city_head, project):
    client.force_login(city_head)
    assert client.get(reverse("exports:start", args=["nothing"])).status_code == 404
    contractor = UserFactory(username="fixer", role=Role.CONTRACTOR, projects=[project])
    client.force_login(contractor)
    assert client.post(reverse("exports:start", args=["customers"])).status_code == 403


def test_a_big_export_runs_as_a_job_and_only_its_creator_downloads_it(
    client, settings, city_head, project, media, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_ROWS = 3
    for n in range(5):
        CustomerFactory(city_company=project.city_company, name=f"客户{n}")
    client.force_login(city_head)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exports:start", args=["customers"]), {"stage": ""})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:job", args=[job.pk])
    job.refresh_from_db()  # eager Celery: the job ran on commit
    assert job.status == ExportJob.Status.DONE
    assert (job.progress_done, job.progress_total, job.percent) == (5, 5, 100)
    assert job.params == {}  # the filters are not kept once the file is written
    assert [path.name for path in media.iterdir()] == [f"{job.token}.xlsx"]

    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert 'id="export-download"' in page
    status = client.get(reverse("exports:job-status", args=[job.pk])).json()
    assert status["running"] is False and status["percent"] == 100
    got = client.get(reverse("exports:job-download", args=[job.pk]))
    assert got.status_code == 200 and "attachment" in got["Content-Disposition"]
    assert len(sheet_rows(download(got))) == 6

    # Anyone else, even with the same rights, finds nothing there; the media view does not serve it.
    client.force_login(
        UserFactory(username="cityhead2", role=Role.CITY_HEAD, city_companies=[project.city_company])
    )
    for name in ("exports:job", "exports:job-status", "exports:job-download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.get(reverse("media", args=[f"exports/{job.token}.xlsx"])).status_code == 404


def test_the_job_page_shows_progress_while_running(client, city_head):
    job = ExportJob.objects.create(
        created_by=city_head, exporter="customers", file_name="x.xlsx", token="a" * 32,
        status=ExportJob.Status.RUNNING, progress_done=40, progress_total=160,
    )  # fmt: skip
    client.force_login(city_head)
    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert 'id="export-progress"' in page and "25%" in page and "import-job.js" in page
    assert client.get(reverse("exports:job-download", args=[job.pk])).status_code == 404


def test_a_job_stops_at_the_row_limit(settings, city_head, project):
    settings.EXPORT_INLINE_ROWS, settings.EXPORT_MAX_ROWS = 1, 3
    for n in range(5):
        CustomerFactory(city_company=project.city_company, name=f"客户{n}")
    job = exports.export_start(user=city_head, name="customers", data=_empty(), language="en")
    exports.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.truncated and job.progress_done == 3


def test_a_job_runs_once_and_fails_when_the_role_lost_the_right(settings, city_head, project):
    settings.EXPORT_INLINE_ROWS = 0
    CustomerFactory(city_company=project.city_company)
    job = exports.export_start(user=city_head, name="customers", data=_empty(), language="en")
    assert exports.export_job_run(job_id=job.pk) == ExportJob.Status.DONE
    assert exports.export_job_run(job_id=job.pk) is None  # a second delivery finds it done
    again = exports.export_start(user=city_head, name="customers", data=_empty(), language="en")
    ExportJob.objects.filter(pk=again.pk).update(status=ExportJob.Status.QUEUED)
    city_head.role = Role.CONTRACTOR
    city_head.save()
    assert exports.export_job_run(job_id=again.pk) == ExportJob.Status.FAILED
    again.refresh_from_db()
    assert again.error and not default_storage.exists(exports.export_job_file_name(again))


def test_old_exports_expire_and_their_files_go(settings, city_head, project, media):
    settings.EXPORT_INLINE_ROWS = 0
    CustomerFactory(city_company=project.city_company)
    job = exports.export_start(user=city_head, name="customers", data=_empty(), language="en")
    exports.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    name = exports.export_job_file_name(job)
    assert default_storage.exists(name)
    assert exports.exports_expire() == 0
    later = timezone.now() + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS + 1)
    assert exports.exports_expire(now=later) == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED and not default_storage.exists(name)


def test_customer_export_queries_do_not_grow_with_rows(city_head, project, django_assert_max_num_queries):
    for n in range(20):
        customer = CustomerFactory(city_company=project.city_company, name=f"客户{n}")
        CustomerPhoneFactory(customer=customer, number=f"1390000{n:04d}")
    queryset = exports.EXPORTERS["customers"].queryset(city_head, _empty())
    # The scope (city companies, projects) (2), the customers with their phone (1), their households (1),
    # the city companies' names (1, cached afterwards).
    with django_assert_max_num_queries(6):
        written, _ = exports.write_workbook(exports.EXPORTERS["customers"], queryset, io.BytesIO(), limit=100)
    assert written == 20


def _empty():
    from django.http import QueryDict

    return QueryDict()
