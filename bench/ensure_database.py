"""Create the benchmark's PostgreSQL database if it does not exist yet (make bench-data)."""

import os
import sys

import environ
import psycopg2
from psycopg2 import sql


def main() -> int:
    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    if "postgresql" not in config["ENGINE"]:
        print("bench-data needs PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    name = config["NAME"]
    connection = psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}")
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
