"""Trigram indexes for the text search (complaints.selectors.text_condition): `icontains` is
UPPER(col::text) LIKE UPPER('%…%'), which a GIN index of UPPER(col) with gin_trgm_ops serves for any
substring of three characters or more, Chinese included (pg_trgm reads CJK characters as letters under
a UTF-8 locale). PostgreSQL only: SQLite has neither GIN nor pg_trgm and falls back to LIKE, so the
indexes are not in the model's Meta (a SQLite table rebuild would try to create them) but made here."""

from django.db import migrations

INDEXES = (
    ("complaint_title_trgm", "title"),
    ("complaint_description_trgm", "description"),
)


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON complaints_complaint "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0011_category_work_order_hours"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
