"""DATABASE_POOLER: the database settings PgBouncer in transaction mode needs (crm/settings_pooling.py).

Each test loads the settings in a fresh interpreter (no connection is made); the behaviour through a
real PgBouncer is tests/crm/test_pgbouncer.py's, in CI's PgBouncer step.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT_DATABASES = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'pooler': s.DATABASE_POOLER, 'databases': {alias: {key: db.get(key) for key in "
    "('OPTIONS', 'DISABLE_SERVER_SIDE_CURSORS', 'CONN_MAX_AGE')} for alias, db in s.DATABASES.items()}}))"
)
PRIMARY = "postgres://crm@db.example.com:6432/crm"
REPLICA = "postgres://crm_ro@replica.example.com:6432/crm"


def _settings(**env: str) -> subprocess.CompletedProcess:
    bare = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    bare.update({"DJANGO_SETTINGS_MODULE": "crm.settings", "DEBUG": "1", **env})
    return subprocess.run(
        [sys.executable, "-c", PRINT_DATABASES],
        cwd=ROOT,
        env=bare,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _loaded(**env: str) -> dict:
    result = _settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_directly_jit_goes_off_in_the_startup_options_and_server_side_cursors_stay():
    loaded = _loaded(DATABASE_URL=PRIMARY, DATABASE_REPLICA_URL=REPLICA)
    assert loaded["pooler"] == ""
    for database in loaded["databases"].values():
        assert database["OPTIONS"]["options"] == "-c jit=off"
        assert not database["DISABLE_SERVER_SIDE_CURSORS"]


def test_through_pgbouncer_no_startup_option_and_no_server_side_cursor_on_either_alias():
    loaded = _loaded(DATABASE_URL=PRIMARY, DATABASE_REPLICA_URL=REPLICA, DATABASE_POOLER="pgbouncer")
    assert loaded["pooler"] == "pgbouncer"
    assert set(loaded["databases"]) == {"default", "replica"}
    for database in loaded["databases"].values():
        assert "options" not in (database["OPTIONS"] or {})
        assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert database["CONN_MAX_AGE"] == 60  # a connection to PgBouncer holds no server connection idle


def test_sqlite_is_left_alone_by_the_pooler_setting():
    loaded = _loaded(DATABASE_URL="sqlite:///:memory:", DATABASE_POOLER="pgbouncer")
    assert not loaded["databases"]["default"]["DISABLE_SERVER_SIDE_CURSORS"]


def test_an_unknown_pooler_stops_the_start():
    result = _settings(DATABASE_URL=PRIMARY, DATABASE_POOLER="pgpool")
    assert result.returncode != 0 and "DATABASE_POOLER must be pgbouncer or empty" in result.stderr


def test_startup_options_in_the_url_are_refused_behind_pgbouncer():
    # PgBouncer would refuse the connection ("unsupported startup parameter: options") at the first query.
    result = _settings(
        DATABASE_URL=f"{PRIMARY}?options=-c%20statement_timeout%3D5000", DATABASE_POOLER="pgbouncer"
    )
    assert result.returncode != 0 and "ALTER ROLE" in result.stderr
