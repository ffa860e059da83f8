"""Finding 10.5 (the import part): no workbook can hold a web worker. Uploads are refused by size and
by unpacked size before anything parses them, reading streams and stops at the row limit and at long
runs of blank rows, the check and the import run as Celery jobs with progress and a report, and
their files are deleted when the job ends or is abandoned. Also finding 10.4: imported text that
looks like a formula stays text."""

import datetime
import io
import os
import subprocess
import sys
import time
import zipfile

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from customers import import_jobs, tasks
from customers.importing import ImportFileError, customer_workbook_import
from customers.models import Customer, CustomerPhone, ImportJob
from properties.models import Unit
from tests.customers.test_import import HEADERS, unit_row, upload, valid_rows, workbook
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = ImportJob.Status


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path / "imports"


@pytest.fixture
def importer(city_head, project):
    return city_head


def stored_files(media) -> list[str]:
    return sorted(path.name for path in media.glob("*")) if media.exists() else []


def crafted_workbook(rows_xml) -> bytes:
    """An .xlsx whose first sheet is written by hand: the header row, then `rows_xml` (an iterable
    of XML chunks), streamed into the archive so that a huge sheet stays small on disk."""
    base = zipfile.ZipFile(workbook([]))
    sheet = "xl/worksheets/sheet1.xml"
    header = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{title}</t></is></c>' for i, title in enumerate(HEADERS)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as crafted:
        for part in base.infolist():
            if part.filename != sheet:
                crafted.writestr(part, base.read(part.filename))
        with crafted.open(sheet, "w") as out:
            out.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                + f'<row r="1">{header}</row>'.encode()
            )
            for chunk in rows_xml:
                out.write(chunk.encode())
            out.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def data_row_xml(number: int, name: str = "张伟") -> str:
    row = unit_row(**{"姓名": name, "证件号码": "", "证件类型": "", "合同编号": "", "手机": ""})
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{row[title]}</t></is></c>'
        for i, title in enumerate(HEADERS)
        if row[title] not in (None, "") and not isinstance(row[title], datetime.datetime)
    )
    return f'<row r="{number}">{cells}</row>'


def blank_rows(count: int, row: str = "<row/>", chunk: int = 100_000):
    """`count` empty rows (Excel writes a formatted empty row like `<row spans="1:22" ht="15"/>`)."""
    for start in range(0, count, chunk):
        yield row * min(chunk, count - start)


@pytest.fixture
def no_parsing(monkeypatch):
    """Fails the test if openpyxl is asked to open the workbook."""

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr("customers.importing.workbook._open_workbook", refuse)


# --- refused before parsing --------------------------------------------------------------------------


def test_a_zip_bomb_of_3m_blank_rows_is_refused_before_parsing_finding_10_5(
    client, importer, media, no_parsing, django_capture_on_commit_callbacks
):
    """The reported file: a few hundred KB on disk, 3 million blank rows inside."""
    content = crafted_workbook(blank_rows(3_000_000, row='<row spans="1:22" ht="15"/>'))
    assert len(content) < 1024 * 1024
    client.force_login(importer)

    started = time.monotonic()
    response = upload(client, django_capture_on_commit_callbacks, content=content)

    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert "unpacks to more than 50 MB" in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists() and stored_files(media) == []
    with pytest.raises(ImportFileError, match="unpacks to more than"):
        customer_workbook_import(by=importer, source=io.BytesIO(content))


def test_an_oversized_file_is_refused_before_it_is_read_finding_10_5(
    client, importer, media, settings, no_parsing, django_capture_on_commit_callbacks
):
    settings.IMPORT_MAX_BYTES = 2000
    client.force_login(importer)

    response = upload(client, django_capture_on_commit_callbacks)

    assert "larger than" in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists() and stored_files(media) == []
    with pytest.raises(ImportFileError, match="larger than"):
        customer_workbook_import(by=importer, source=workbook(valid_rows()), max_bytes=2000)


def test_a_request_declaring_an_oversized_body_is_refused_unread_finding_10_5(
    client, importer, media, settings
):
    settings.IMPORT_MAX_BYTES = 2000
    client.force_login(importer)

    response = client.post(
        reverse("customers:import"),
        data=b"x",
        content_type="application/octet-stream",
        CONTENT_LENGTH="10000000",
    )

    assert response.status_code == 413
    assert "larger than" in response.content.decode()
    assert not ImportJob.objects.exists()


# --- streamed, and stopped early ----------------------------------------------------------------------


def test_reading_stops_at_a_long_run_of_blank_rows_finding_10_5(importer):
    """One data row, a million blank rows (under the unpacked limit), then a row never read."""
    content = crafted_workbook(
        [data_row_xml(2), *blank_rows(1_000_000), data_row_xml(1_000_003, name="李娜")]
    )

    started = time.monotonic()
    result = customer_workbook_import(by=importer, source=io.BytesIO(content))

    assert time.monotonic() - started < 15
    assert result.ok, result.errors
    assert result.rows == 1  # 李娜's row, a million rows down, was never reached


def test_a_file_past_the_row_limit_is_refused_while_streaming_finding_10_5(importer):
    content = crafted_workbook(data_row_xml(n, name=f"客户{n}") for n in range(2, 5_002))

    started = time.monotonic()
    result = customer_workbook_import(by=importer, source=io.BytesIO(content), max_rows=100)

    assert time.monotonic() - started < 10
    assert result.rows == 0
    assert [(e.row, e.message) for e in result.errors] == [(102, "The file has more than 100 rows.")]


# --- the job -------------------------------------------------------------------------------------------


def test_the_import_runs_as_jobs_with_progress_and_a_report_and_leaves_no_file_finding_10_5(
    client, importer, media, django_capture_on_commit_callbacks
):
    client.force_login(importer)
    file = io.BytesIO(workbook(valid_rows()).getvalue())
    file.name = "units.xlsx"
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("customers:import"), {"file": file})
    job = ImportJob.objects.get()
    status_url = reverse("customers:import-job-status", args=[job.pk])

    # Queued when the request commits; the web request parsed nothing.
    assert len(queued) == 1 and job.status == Status.CHECK_QUEUED
    assert stored_files(media) == [f"{job.token}.xlsx"]
    assert client.get(status_url).json() == {
        "status": "check_queued",
        "status_label": "Waiting to be checked",
        "running": True,
        "done": 0,
        "total": 0,
        "percent": 0,
    }
    page = client.get(response.url).content.decode()
    assert 'id="import-progress"' in page and "import-job.js" in page

    queued[0]()  # the worker runs the check

    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == (Status.CHECKED, 4, 4)
    assert job.report["rows"] == 4 and job.report["created"]["units"] == 2 and job.report["errors"] == []
    assert client.get(status_url).json()["running"] is False
    assert not Unit.objects.exists()

    with django_capture_on_commit_callbacks() as queued:
        client.post(reverse("customers:import-job-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Status.IMPORT_QUEUED

    queued[0]()  # the worker runs the import

    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == (Status.DONE, 8, 8)
    assert job.report["created"]["contracts"] == 2 and job.finished_at is not None
    assert Unit.objects.count() == 2
    assert stored_files(media) == []  # the temporary file is gone


def test_a_job_delivered_twice_runs_once(importer, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = import_jobs.import_job_start(by=importer, upload=_upload(), language="en")

    assert ImportJob.objects.get(pk=job.pk).status == Status.CHECKED
    assert import_jobs.import_job_run(job_id=job.pk) is None
    assert import_jobs.import_job_run(job_id=987654) is None


def test_issue_11_the_job_names_its_task_which_every_process_has_registered(
    importer, media, django_capture_on_commit_callbacks
):
    """Issue 11: import_jobs names customers.tasks' task instead of importing it (no import_jobs ↔
    tasks cycle). The app registers the task at start-up, so the named task is the one that runs,
    in a fresh process too (a web process imports no task module itself)."""
    assert tasks.run_import_job.name == import_jobs.RUN_TASK
    fresh = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS_LISTS_TASKS],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert import_jobs.RUN_TASK in fresh.stdout.split()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        job = import_jobs.import_job_start(by=importer, upload=_upload(), language="en")

    assert len(queued) == 1
    assert ImportJob.objects.get(pk=job.pk).status == Status.CHECKED


FRESH_PROCESS_LISTS_TASKS = """
import django
django.setup()
from crm.celery import app
print(*app.tasks)
"""


def test_an_unreadable_workbook_fails_its_job_and_its_file_is_deleted(
    importer, media, django_capture_on_commit_callbacks
):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as broken:
        broken.writestr("hello.txt", "not a workbook")
    with django_capture_on_commit_callbacks(execute=True):
        job = import_jobs.import_job_start(by=importer, upload=_upload(archive.getvalue()), language="en")

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.report == {"file_errors": ["This file is not an Excel workbook (.xlsx)."]}
    assert stored_files(media) == []


def test_a_job_of_a_user_who_lost_the_right_to_import_fails(
    importer, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        job = import_jobs.import_job_start(by=importer, upload=_upload(), language="en")
    importer.is_active = False
    importer.save()

    queued[0]()

    job.refresh_from_db()
    assert job.status == Status.FAILED and not Unit.objects.exists() and stored_files(media) == []


def test_cancel_drops_a_checked_upload_and_its_file(
    client, importer, media, django_capture_on_commit_callbacks
):
    client.force_login(importer)
    upload(client, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()

    response = client.post(reverse("customers:import-job-cancel", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Status.CANCELLED and stored_files(media) == []
    with pytest.raises(PermissionDenied):
        import_jobs.import_job_cancel(job=job, by=UserFactory())


def test_abandoned_uploads_dead_jobs_and_stray_files_are_cleaned_up_finding_10_5(
    importer, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        abandoned = import_jobs.import_job_start(by=importer, upload=_upload(), language="en")
        fresh = import_jobs.import_job_start(by=importer, upload=_upload(), language="en")
    with django_capture_on_commit_callbacks():  # queued, but its worker died
        dead = import_jobs.import_job_start(by=importer, upload=_upload(), language="en")
    stray = media / ("f" * 32 + ".xlsx")
    stray.write_bytes(b"PK")
    now = timezone.now()
    long_ago = now - datetime.timedelta(days=2)
    ImportJob.objects.filter(pk__in=[abandoned.pk, dead.pk]).update(updated_at=long_ago)
    os.utime(stray, (long_ago.timestamp(), long_ago.timestamp()))

    assert import_jobs.import_jobs_expire_stale(now=now) == 2

    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert statuses == {abandoned.pk: Status.EXPIRED, fresh.pk: Status.CHECKED, dead.pk: Status.FAILED}
    assert stored_files(media) == [f"{fresh.token}.xlsx"]
    assert import_jobs.import_jobs_expire_stale(now=now) == 0  # idempotent


def _upload(content: bytes | None = None, name: str = "units.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content if content is not None else workbook(valid_rows()).getvalue())


# --- formula-like text (finding 10.4) -------------------------------------------------------------------


def test_formula_like_text_is_imported_as_the_literal_text_finding_10_4(importer):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    row = unit_row(**{"手机": "+86 138-1234-5678"})
    sheet.append([row[title] for title in HEADERS])
    name = sheet.cell(row=2, column=HEADERS.index("姓名") + 1)
    name.value, name.data_type = "=1+1", "s"  # text typed as '=1+1 in Excel
    layout = sheet.cell(row=2, column=HEADERS.index("户型") + 1)
    layout.value = '=HYPERLINK("http://evil.example","x")'  # a live formula: never evaluated
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)

    result = customer_workbook_import(by=importer, source=buffer, dry_run=False)

    assert result.written, result.errors
    customer = Customer.objects.get()
    assert customer.name == "=1+1"
    assert CustomerPhone.objects.get().number == "13812345678"
    assert Unit.objects.get().layout == ""  # a formula without a cached value reads as empty
