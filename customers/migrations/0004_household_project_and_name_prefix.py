"""HouseholdMember.project (the unit's project, copied) and its index for the customer scope check;
the name index becomes a pattern-operator index that also serves search by the start of a name; the
stage no longer reads contracts per customer (0003), so contract_buyer_latest_active goes."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_unit_projects(apps, schema_editor):
    HouseholdMember = apps.get_model("customers", "HouseholdMember")
    Unit = apps.get_model("properties", "Unit")
    HouseholdMember.objects.update(
        project_id=Subquery(Unit.objects.filter(pk=OuterRef("unit_id")).values("project_id")[:1])
    )
    if schema_editor.connection.vendor == "postgresql":
        # Check the new foreign keys now: ALTER TABLE below refuses pending (deferred) trigger events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_customer_contract_dates"),
        ("properties", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="householdmember",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="properties.project",
                verbose_name="project",
            ),
        ),
        migrations.RunPython(copy_unit_projects, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="householdmember",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="properties.project",
                verbose_name="project",
            ),
        ),
        migrations.AddIndex(
            model_name="householdmember",
            index=models.Index(fields=["project", "customer"], name="household_project_customer"),
        ),
        migrations.AlterField(
            model_name="customer",
            name="name",
            field=models.CharField(max_length=50, verbose_name="name"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["name"], name="customer_name_prefix", opclasses=["varchar_pattern_ops"]),
        ),
        migrations.RemoveIndex(model_name="contract", name="contract_buyer_latest_active"),
    ]
