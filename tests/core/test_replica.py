"""The read replica (core.replica): inside `reading_replica()` reads go to the "replica" alias when one is
configured; writes, reads outside it and reads inside a transaction on the primary go to "default".

The test settings add a "replica" alias that mirrors the test database (pyproject's TEST_REPLICA_MIRROR:
`TEST: {"MIRROR": "default"}`), a second connection to the same data; READ_REPLICA_ALIAS is off in every
test (tests/conftest.py) and turned on here. With DATABASE_REPLICA_URL set (CI's streaming replica made
by .ci/run), the last test writes on the primary and reads the row back from the real replica.
"""

import datetime
import os
import threading
import time

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from complaints.models import Complaint
from core.replica import ReplicaRouter, is_reading_replica, reading_replica
from properties.models import CityCompany, Project
from tests.api import client_for
from tests.dashboards.metrics_data import make_complaint

BOTH = ["default", "replica"]
router = ReplicaRouter()


@pytest.fixture
def replica_on(settings):
    settings.READ_REPLICA_ALIAS = "replica"


def test_the_test_settings_mirror_the_default_database_as_replica(settings):
    assert settings.DATABASES["replica"]["TEST"]["MIRROR"] == "default"


def test_without_a_replica_every_read_goes_to_the_primary(settings):
    settings.READ_REPLICA_ALIAS = None
    with reading_replica():
        assert router.db_for_read(Complaint) == "default"
        assert not is_reading_replica()
    # A replica alias named but not configured counts as none.
    settings.READ_REPLICA_ALIAS = "nowhere"
    with reading_replica():
        assert router.db_for_read(Complaint) == "default"


def test_reads_inside_the_context_go_to_the_replica_and_nothing_else_does(replica_on):
    assert router.db_for_read(Complaint) == "default"
    with reading_replica():
        assert router.db_for_read(Complaint) == "replica"
        assert router.db_for_read(User) == "replica"
        with reading_replica():  # nested: still the replica, and after the inner one too
            assert router.db_for_read(Complaint) == "replica"
        assert router.db_for_read(Complaint) == "replica"
        assert router.db_for_write(Complaint) == "default"
    assert router.db_for_read(Complaint) == "default"
    assert router.db_for_write(Complaint) == "default"


def test_a_failing_block_still_leaves_the_context(replica_on):
    with pytest.raises(ZeroDivisionError), reading_replica():
        assert router.db_for_read(Complaint) == "replica"
        1 / 0  # noqa: B018
    assert router.db_for_read(Complaint) == "default"


def test_only_the_primary_migrates():
    assert router.allow_migrate("default", "complaints", "complaint") is True
    assert router.allow_migrate("replica", "complaints", "complaint") is False


def test_as_a_decorator_each_call_reads_the_replica(replica_on):
    @reading_replica()
    def read() -> str:
        return router.db_for_read(Complaint)

    assert read() == "replica"
    assert read() == "replica"  # entered anew on every call
    assert router.db_for_read(Complaint) == "default"


def test_the_switch_belongs_to_the_thread_that_entered_it(replica_on):
    """A context variable, not a global: another request's thread keeps reading the primary."""
    entered, done = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with reading_replica():
            seen["worker"] = router.db_for_read(Complaint)
            entered.set()
            done.wait(5)

    thread = threading.Thread(target=worker)
    thread.start()
    assert entered.wait(5)
    seen["main"] = router.db_for_read(Complaint)
    done.set()
    thread.join(5)
    assert seen == {"worker": "replica", "main": "default"}


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_inside_a_transaction_on_the_primary_reads_stay_there(replica_on):
    with reading_replica():
        assert router.db_for_read(Complaint) == "replica"
        with transaction.atomic():
            assert router.db_for_read(Complaint) == "default"  # it sees its own writes
        assert router.db_for_read(Complaint) == "replica"


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_rows_read_from_the_replica_can_be_linked_and_saved_on_the_primary(replica_on):
    city = CityCompany.objects.create(code="sz", name="深圳公司", city="深圳")
    with reading_replica():
        read = CityCompany.objects.get(pk=city.pk)
    assert read._state.db == "replica"
    project = Project(city_company=read, code="sjhc", name="四季花城")  # a relation across the two aliases
    project.save()
    read.name = "深圳"
    read.save()  # a write: the primary
    assert CityCompany.objects.using("default").get(pk=city.pk).name == "深圳"
    assert Project.objects.using("default").get(pk=project.pk).city_company_id == city.pk


def _caught_up(timeout: float = 30) -> None:
    """With a real streaming replica (CI): wait until it has replayed what the primary wrote so far. The
    mirrored alias of the other runs is the same database: nothing to wait for."""
    replica = connections["replica"]
    if replica.vendor != "postgresql":
        return
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        if not cursor.fetchone()[0]:
            return
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (target,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while True:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def _tables(queries) -> str:
    return " ".join(q["sql"] for q in queries)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_metrics_api_reads_its_figures_from_the_replica(replica_on, group_admin, owned_unit, project):
    make_complaint(owned_unit, timezone.make_aware(datetime.datetime(2025, 6, 18, 10)))
    client = client_for(group_admin)
    url = reverse("metric-detail", args=["complaints.received"]) + "?period=month&on=2025-06-18"
    _caught_up()
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get(url)
    assert response.status_code == 200, response.content
    assert response.json()["value"] == 1
    assert '"complaints_complaint"' in _tables(replica.captured_queries)
    assert '"complaints_complaint"' not in _tables(primary.captured_queries)
    # The token and the user (who is asking, and may they) come from the primary.
    assert '"accounts_apitoken"' in _tables(primary.captured_queries)
    assert '"accounts_apitoken"' not in _tables(replica.captured_queries)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_dashboards_page_reads_its_figures_from_the_replica(client, replica_on, group_admin, owned_unit):
    client.force_login(group_admin)
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get(reverse("dashboards"))
    assert response.status_code == 200
    assert replica.captured_queries, "the page's figures were read from the primary"
    # The session and the user are loaded before the view, on the primary; every other read is the page's.
    for query in primary.captured_queries:
        assert '"django_session"' in query["sql"] or '"accounts_user"' in query["sql"], query["sql"]


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_without_a_replica_the_page_reads_only_the_primary(client, group_admin, owned_unit):
    client.force_login(group_admin)
    with CaptureQueriesContext(connections["replica"]) as replica:
        assert client.get(reverse("dashboards")).status_code == 200
        assert client.get(reverse("metric-list")).status_code == 200
    assert replica.captured_queries == []


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_an_export_reads_its_rows_from_the_replica(client, replica_on, city_head, owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(city_head)
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.post(reverse("exports:start", args=["customers"]), {})
        content = b"".join(response.streaming_content)
    assert response.status_code == 200 and content.startswith(b"PK")
    assert '"customers_customer"' in _tables(replica.captured_queries)
    assert '"customers_customer"' not in _tables(primary.captured_queries)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_REPLICA_URL"), reason="needs a streaming replica (DATABASE_REPLICA_URL)"
)
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_real_streaming_replica_serves_what_the_primary_wrote(replica_on):
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True  # a standby, not the primary under another name
    city = CityCompany.objects.create(code="repl", name="复制公司", city="复制")  # committed
    _caught_up()
    with reading_replica():
        found = CityCompany.objects.filter(pk=city.pk).first()
    assert found is not None and found._state.db == "replica"
    assert found.name == "复制公司"
    # And the replica is read-only: a write there would fail; the router never sends one.
    assert ReplicaRouter().db_for_write(CityCompany) == "default"
