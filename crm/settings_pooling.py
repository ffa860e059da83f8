"""PostgreSQL connections directly or through PgBouncer in transaction mode (README, "Connection pooling").

Part of the one settings module: crm/settings.py calls `database_pooling` once it has its DATABASES.
Django's own connection pool (5.1+) needs psycopg 3; this project runs on psycopg2, hence PgBouncer.
"""

import environ
from django.core.exceptions import ImproperlyConfigured

POOLERS = ("pgbouncer",)


def database_pooling(env: environ.Env, databases: dict, postgres_options: str) -> str:
    """DATABASE_POOLER ("" or "pgbouncer"), after fitting each PostgreSQL alias of `databases` to it.

    Direct: `postgres_options` (such as "-c jit=off") go in the connection's startup packet. Through
    PgBouncer in transaction mode each transaction may run on another server connection, so nothing
    may live in the session: server-side cursors are off (`.iterator()` outside a transaction declares
    a WITH HOLD cursor that outlives it), and no startup options are sent (PgBouncer refuses
    `options`): the database role carries them instead (ALTER ROLE … SET jit = off).
    """
    pooler = env.str("DATABASE_POOLER", default="")
    if pooler and pooler not in POOLERS:
        raise ImproperlyConfigured(f"DATABASE_POOLER must be pgbouncer or empty, not {pooler!r}.")
    for database in databases.values():
        if "postgresql" not in database.get("ENGINE", ""):
            continue
        if pooler:
            database["DISABLE_SERVER_SIDE_CURSORS"] = True
            if "options" in database.get("OPTIONS", {}):
                raise ImproperlyConfigured(
                    "PgBouncer refuses the startup parameter `options` (in the database URL): set it on "
                    "the database role instead (ALTER ROLE … SET …)."
                )
        elif postgres_options:
            options = database.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} {postgres_options}".strip()
    return pooler
