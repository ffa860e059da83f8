"""Extended statistics on (status, sla_target): PostgreSQL multiplied the two columns' selectivities as
if independent (most complaints are closed and have no SLA target), guessed ~50 running open complaints
in a city company's projects where there are ~1,600 at 1M, and so sorted every open complaint instead of
reading the board's index in order: the home page's breached queue 57–74 ms → 0.2 ms at 1M."""

from django.db import migrations

NAME = "complaint_status_target_stats"


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE STATISTICS IF NOT EXISTS {NAME} (mcv) ON status, sla_target FROM complaints_complaint")
    schema_editor.execute("ANALYZE complaints_complaint")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0016_board_index_counters_undispatched")]

    operations = [migrations.RunPython(create_statistics, drop_statistics)]
