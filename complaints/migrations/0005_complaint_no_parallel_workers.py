"""PostgreSQL: no parallel workers for scans of complaints_complaint.

The app reads this table a page at a time through indexes, and counts open complaints (≤ ~3 % of the
rows) for the board's counters from a covering partial index. PostgreSQL would run that count with two
parallel workers; on the 2-core bench machine starting them costs more than the scan: the counters over
every open complaint take 16 ms in parallel and 9 ms alone (bench at 1M complaints, median of 30).
"""

from django.db import migrations


def no_parallel_workers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE complaints_complaint SET (parallel_workers = 0)")


def parallel_workers_as_configured(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE complaints_complaint RESET (parallel_workers)")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0004_work_order_due_indexes"),
    ]

    operations = [
        migrations.RunPython(no_parallel_workers, parallel_workers_as_configured, elidable=False),
    ]
