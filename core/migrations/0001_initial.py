"""CalendarDay moved here from the crm package (issue 11) with its table and rows untouched.

The table keeps its name, crm_calendarday. On a database that already has it (made by the old
crm 0001_initial) this migration only tells Django's state that core owns the model, and re-labels
its content type so the admin history and permissions follow; on a new database it creates the table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def create_table_unless_present(apps, schema_editor):
    calendar_day = apps.get_model("core", "CalendarDay")
    if calendar_day._meta.db_table not in schema_editor.connection.introspection.table_names():
        schema_editor.create_model(calendar_day)


def relabel_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not content_type.objects.using(db).filter(app_label="core", model="calendarday").exists():
        content_type.objects.using(db).filter(app_label="crm", model="calendarday").update(app_label="core")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CalendarDay",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("date", models.DateField(unique=True, verbose_name="date")),
                        ("kind", models.CharField(choices=[("holiday", "Holiday or rest day (法定节假日/休息日)"), ("workday", "Make-up working day (调休上班日)")], max_length=10, verbose_name="kind")),
                        ("name", models.CharField(blank=True, help_text="For example 国庆节 or 国庆节调休.", max_length=50, verbose_name="name")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="created by")),
                    ],
                    options={
                        "verbose_name": "calendar day",
                        "verbose_name_plural": "calendar days",
                        "db_table": "crm_calendarday",
                        "ordering": ["date"],
                        "constraints": [models.CheckConstraint(condition=models.Q(("kind__in", ["holiday", "workday"])), name="calendarday_kind_valid")],
                    },
                ),
            ],
        ),
        migrations.RunPython(create_table_unless_present, migrations.RunPython.noop),
        migrations.RunPython(relabel_content_type, migrations.RunPython.noop),
    ]
