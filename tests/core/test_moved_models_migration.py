"""CalendarDay moved from the crm package to core (issue 11) without losing a row.

A database made by the code before the move (commit e32f516, where crm was an app and its
0001_initial created the table) is migrated by today's code: core 0001 must adopt the table
crm_calendarday as it is, and the content type crm.calendarday must become core.calendarday with
the same id, so that admin history and permissions follow the model.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core import workcalendar
from core.models import CalendarDay

REPO_ROOT = Path(__file__).resolve().parents[2]
OLD_MAIN = "e32f516"  # the last commit before the move
COMMAND_TIMEOUT_SECONDS = 300
RESULT_PREFIX = "RESULT "


# --- End to end: old code makes the database, new code migrates and reads it -------------------

OLD_CODE_WRITES = """
import datetime, json
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from accounts.models import User
from crm.models import CalendarDay
from customers.models import Customer
from properties.models import CityCompany, Project

editor = User.objects.create_user(username="calendar-editor")
day = CalendarDay.objects.create(
    date=datetime.date(2027, 10, 1), kind=CalendarDay.Kind.HOLIDAY, name="国庆节", created_by=editor
)
content_type = ContentType.objects.get_by_natural_key("crm", "calendarday")
editor.user_permissions.add(Permission.objects.get(content_type=content_type, codename="change_calendarday"))
log_entry = LogEntry.objects.create(
    user=editor, content_type=content_type, object_id=str(day.pk), object_repr=str(day), action_flag=ADDITION
)
city = CityCompany.objects.create(code="migr-city", name="迁移城市公司", city="深圳")
project = Project.objects.create(city_company=city, code="migr-proj", name="迁移花园")
customer = Customer.objects.create(city_company=city, registered_project=project, name="迁移客户")
print("RESULT " + json.dumps({
    "calendar_day": day.pk, "content_type": content_type.pk, "log_entry": log_entry.pk,
    "editor": editor.pk, "project": project.pk, "customer": customer.pk,
}))
"""

NEW_CODE_READS = """
import json
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from accounts.models import User
from core.models import CalendarDay
from customers.models import Customer
from properties.models import Project

day = CalendarDay.objects.get()
content_type = ContentType.objects.get_by_natural_key("core", "calendarday")
log_entry = LogEntry.objects.get()
customer = Customer.objects.get()
print("RESULT " + json.dumps({
    "calendar_day": [day.pk, day.date.isoformat(), day.kind, day.name, day.created_by_id],
    "content_type": content_type.pk,
    "crm_content_types": ContentType.objects.filter(app_label="crm").count(),
    "log_entry": [log_entry.pk, log_entry.content_type_id, log_entry.get_edited_object().pk],
    "editor_may_change": User.objects.get().has_perm("core.change_calendarday"),
    "project": list(Project.objects.values_list("pk", "code")),
    "customer": [customer.pk, customer.name, customer.registered_project_id],
}))
"""


def _old_main_or_skip() -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the old main cannot be exported")
    found = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "cat-file", "-e", f"{OLD_MAIN}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if found.returncode != 0:
        pytest.skip(f"commit {OLD_MAIN} is not in this repository (a shallow clone, or no git history)")


def _manage(code_dir: Path, database_url: str, *args: str) -> str:
    """Runs manage.py of the tree in code_dir against the database; returns its standard output."""
    env = {
        name: value
        for name, value in os.environ.items()
        # CI points DATABASE_URL at PostgreSQL and the broker at Redis: the settings' defaults here.
        if name != "DATABASE_URL" and not name.startswith("CELERY_")
    }
    env.update(DEBUG="1", DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="crm.settings")
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=code_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    assert completed.returncode == 0, (
        f"manage.py {' '.join(args[:1])} in {code_dir} exited {completed.returncode}\n"
        f"stdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"
    )
    return completed.stdout


def _shell_result(code_dir: Path, database_url: str, code: str) -> dict:
    output = _manage(code_dir, database_url, "shell", "-c", code)
    results = [line for line in output.splitlines() if line.startswith(RESULT_PREFIX)]
    assert results, f"the shell printed no result:\n{output}"
    return json.loads(results[-1].removeprefix(RESULT_PREFIX))


def test_database_of_old_main_keeps_its_data_after_migrating_with_the_new_code(tmp_path):
    _old_main_or_skip()
    old_tree = tmp_path / "old"
    old_tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", OLD_MAIN], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(old_tree)], input=archive.stdout, check=True)
    database_url = f"sqlite:///{tmp_path / 'old-main.sqlite3'}"

    _manage(old_tree, database_url, "migrate", "--no-input")
    before = _shell_result(old_tree, database_url, OLD_CODE_WRITES)

    _manage(REPO_ROOT, database_url, "migrate", "--no-input")
    after = _shell_result(REPO_ROOT, database_url, NEW_CODE_READS)

    assert after["calendar_day"] == [
        before["calendar_day"],
        "2027-10-01",
        "holiday",
        "国庆节",
        before["editor"],
    ]
    # The same content type row, relabelled: admin history and permissions point at it by id.
    assert after["content_type"] == before["content_type"]
    assert after["crm_content_types"] == 0
    assert after["log_entry"] == [before["log_entry"], before["content_type"], before["calendar_day"]]
    assert after["editor_may_change"] is True
    assert after["project"] == [[before["project"], "migr-proj"]]
    assert after["customer"] == [before["customer"], "迁移客户", before["project"]]
    # The migrated database and the new models agree: nothing left for makemigrations.
    _manage(REPO_ROOT, database_url, "makemigrations", "--check", "--dry-run")


# --- In process: core 0001 only adopts the table, or creates it when it is missing --------------


def _migrate(targets: list[tuple[str, str | None]]) -> None:
    # A fresh executor each time: one executor's loader keeps the history it read at the start.
    MigrationExecutor(connection).migrate(targets)


def _calendar_table_exists() -> bool:
    with connection.cursor() as cursor:
        return CalendarDay._meta.db_table in connection.introspection.table_names(cursor)


@pytest.mark.django_db(transaction=True)
def test_core_initial_migration_adopts_the_table_and_creates_it_only_when_missing():
    core_latest = MigrationExecutor(connection).loader.graph.leaf_nodes("core")
    day = CalendarDay.objects.create(date="2027-10-01", kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    try:
        # Unapplying core 0001 forgets the model in Django's state only; table and row stay.
        _migrate([("core", None)])
        assert _calendar_table_exists()
        _migrate(core_latest)
        assert CalendarDay.objects.filter(pk=day.pk, name="国庆节").exists()

        # A database that never had the crm app: the migration makes the table.
        _migrate([("core", None)])
        with connection.schema_editor() as schema_editor:
            schema_editor.delete_model(CalendarDay)
        assert not _calendar_table_exists()
        _migrate(core_latest)
        assert _calendar_table_exists()
        assert not CalendarDay.objects.exists()
        CalendarDay.objects.create(date="2027-10-08", kind=CalendarDay.Kind.WORKDAY)
    finally:
        # Other tests share this database: leave core migrated and its table in place.
        _migrate(core_latest)
        workcalendar.clear_cache()
