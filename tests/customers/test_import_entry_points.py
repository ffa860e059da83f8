"""Issue 13: the import is reachable from the customer list and the property pages, its buttons are
disabled once pressed, and a 5,000-row file checks and imports as background jobs whose progress the
page can follow, also while the import's single transaction is still open."""

import io

import pytest
from django.urls import reverse

from accounts.models import Role
from customers import import_jobs
from customers.models import ImportJob
from properties.models import Unit
from tests.customers.test_import import unit_row, workbook
from tests.factories import BuildingFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = ImportJob.Status


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_import_is_linked_from_the_customer_list_and_the_property_pages(client, city_head, project):
    building = BuildingFactory(project=project, number="3")
    pages = [
        reverse("customers:list"),
        reverse("properties:project-list"),
        reverse("properties:project-detail", args=[project.pk]),
        reverse("properties:building-detail", args=[building.pk]),
    ]
    link = f'href="{reverse("customers:import")}"'
    client.force_login(city_head)
    for page in pages:
        assert link in client.get(page).content.decode(), page
    # A role that may not import sees no link to a page it would be refused.
    client.force_login(UserFactory(username="reader", role=Role.READONLY_MANAGER, projects=[project]))
    for page in pages:
        response = client.get(page)
        assert response.status_code != 200 or link not in response.content.decode(), page


def test_the_upload_and_confirm_buttons_are_disabled_once_pressed(
    client, city_head, project, media, django_capture_on_commit_callbacks
):
    client.force_login(city_head)
    page = client.get(reverse("customers:import")).content.decode()
    assert 'id="import-upload" data-submit-once' in page and "import-job.js" in page
    file = io.BytesIO(workbook([unit_row()]).getvalue())
    file.name = "units.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:import"), {"file": file})
    job = ImportJob.objects.get()
    assert job.status == Status.CHECKED
    page = client.get(response.url).content.decode()
    assert 'id="import-confirm" data-submit-once' in page and "import-job.js" in page


def five_thousand_rows() -> list[dict]:
    return [
        unit_row(
            **{
                "楼栋": 10 + n // 200,
                "房号": 100 * (1 + n % 200 // 4) + n % 4 + 1,
                "楼层": 1 + n % 200 // 4,
                "姓名": f"业主{n:04d}",
                "手机": f"139{n:08d}",
                "证件类型": "",
                "证件号码": "",
                "合同编号": "",
                "认购日期": None,
                "签约日期": None,
                "成交价": None,
                "合同交付日期": None,
                "实际交付日期": None,
            }
        )
        for n in range(5000)
    ]


def test_a_5000_row_file_checks_and_imports_in_jobs_with_visible_progress(
    client, city_head, project, media, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(import_jobs, "PROGRESS_EVERY_SECONDS", 0)
    seen: list[tuple[str, int, int, int]] = []  # (status, done, total, percent) as a poll would see it
    writer = import_jobs._progress_writer

    def spying_writer(job_id):
        write = writer(job_id)

        def spy(done, total):
            write(done, total)
            # What the page's poll reads: another connection sees the row as committed before the
            # import's transaction (no progress in the import phase), the cache sees the rest.
            job = ImportJob.objects.get(pk=job_id)
            committed = ImportJob(pk=job.pk, status=job.status, progress_done=0, progress_total=0)
            seen.append((job.status, *import_jobs.import_job_progress(committed)))

        return spy

    monkeypatch.setattr(import_jobs, "_progress_writer", spying_writer)
    client.force_login(city_head)
    file = io.BytesIO(workbook(five_thousand_rows()).getvalue())
    file.name = "units.xlsx"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:import"), {"file": file})
    job = ImportJob.objects.get()
    assert job.status == Status.CHECKED, job.report.get("errors", [])[:3]
    checking = [entry for entry in seen if entry[0] == Status.CHECKING]
    assert checking[-1][1:] == (5000, 5000, 100)
    assert any(0 < percent < 100 for _status, _done, _total, percent in checking)

    seen.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("customers:import-job-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Status.DONE and Unit.objects.count() == 5000
    importing = [entry for entry in seen if entry[0] == Status.IMPORTING]
    # Past the check's half: the rows being written, inside the one transaction, still seen moving.
    writing = [percent for _status, done, _total, percent in importing if done > 5000]
    assert writing and writing[-1] == 100 and any(50 < percent < 100 for percent in writing)
    assert client.get(response.url).status_code == 200


def test_the_job_page_and_its_poll_show_the_progress_kept_in_the_cache(client, city_head):
    job = ImportJob.objects.create(
        created_by=city_head, file_name="units.xlsx", token="b" * 32, status=Status.IMPORTING
    )
    import_jobs._progress_writer(job.pk)(7500, 10000)
    ImportJob.objects.filter(pk=job.pk).update(progress_done=0, progress_total=0)  # as if uncommitted
    client.force_login(city_head)
    assert "75%" in client.get(reverse("customers:import-job", args=[job.pk])).content.decode()
    status = client.get(reverse("customers:import-job-status", args=[job.pk])).json()
    assert (status["done"], status["total"], status["percent"]) == (7500, 10000, 75)
