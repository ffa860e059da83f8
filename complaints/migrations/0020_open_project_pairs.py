"""The SLA board's two-character words (complaints/words.py): pg_trgm extracts no trigram from `渗水`,
so the trigram indexes of 0012 cannot narrow it, and PostgreSQL read every open complaint of the group
to find a city head's few (10M: 400–860 ms). This GIN index holds each open complaint's pairs of
characters (subject and description, upper-cased), each prefixed with its project (`12:渗水`):
`complaint_project_pairs(…) && ARRAY['1:渗水', '2:渗水', …]` finds a scope's matches in one index read.
The project is in the key, not a column of its own (btree_gin): such a column served every open
complaint's project condition too, and the planner took it for other boards (3 characters: 8 → 130 ms).

Partial on `status <> 'closed'` (the open complaints, written so that the board's counters can name
this index alone: complaints/words.py). PostgreSQL only, like 0012; built CONCURRENTLY, so writes go
on while it is made (10M: under a minute)."""

from django.db import migrations

# A PL/pgSQL loop: about 3x faster than a SQL set-returning form, and it runs on each write of an
# open complaint's text. Pairs repeat (GIN keeps each once). COST tells the planner that filtering
# rows with it is dearer than reading the index.
FUNCTION = """
CREATE OR REPLACE FUNCTION complaint_project_pairs(project bigint, title text, description text)
RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 1000 AS $$
DECLARE
    part text;
    pairs text[] := '{}';
BEGIN
    FOREACH part IN ARRAY ARRAY[upper(coalesce(title, '')), upper(coalesce(description, ''))] LOOP
        FOR i IN 1 .. length(part) - 1 LOOP
            pairs := pairs || (project || ':' || substr(part, i, 2));
        END LOOP;
    END LOOP;
    RETURN pairs;
END
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    # A CONCURRENTLY build that failed (a deadlock, a cancel) leaves an invalid index behind, which
    # IF NOT EXISTS would keep: drop it and build again.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_index JOIN pg_class ON pg_class.oid = indexrelid "
            "WHERE relname = 'complaint_open_project_pairs' AND NOT indisvalid"
        )
        invalid = cursor.fetchone() is not None
    if invalid:
        schema_editor.execute("DROP INDEX CONCURRENTLY complaint_open_project_pairs")
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS complaint_open_project_pairs ON complaints_complaint "
        "USING gin (complaint_project_pairs(project_id, title::text, description)) "
        "WHERE status <> 'closed'"
    )
    # The index's own statistics are not read for estimates (it is partial); these, on the same
    # expression over the table's sample, give the planner each key's frequency: a rare word is read
    # from this index, a common one walks the board's order.
    schema_editor.execute(
        "CREATE STATISTICS IF NOT EXISTS complaint_project_pairs_stats "
        "ON (complaint_project_pairs(project_id, title::text, description)) FROM complaints_complaint"
    )
    schema_editor.execute("ANALYZE complaints_complaint")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP STATISTICS IF EXISTS complaint_project_pairs_stats")
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS complaint_open_project_pairs")
    schema_editor.execute("DROP FUNCTION IF EXISTS complaint_project_pairs(bigint, text, text)")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("complaints", "0019_work_order_indexes_with_project_only"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
