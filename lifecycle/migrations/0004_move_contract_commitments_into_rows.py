"""Move the free text of customers.Contract.commitments into Commitment rows: one open row per
non-empty line, on the contract's project. Contracts that already have rows are left alone, so a
rerun adds nothing. The text field stays on the contract (history; customers owns it)."""

from django.db import migrations

BATCH = 1000


def move_commitments(apps, schema_editor):
    Contract = apps.get_model("customers", "Contract")
    Commitment = apps.get_model("lifecycle", "Commitment")
    done = set(Commitment.objects.values_list("contract_id", flat=True).distinct())
    contracts = (
        Contract.objects.exclude(commitments="")
        .values_list("pk", "unit__project_id", "commitments")
        .order_by("pk")
        .iterator(chunk_size=BATCH)
    )
    rows = []
    for contract_id, project_id, text in contracts:
        if contract_id in done:
            continue
        for line in text.splitlines():
            line = line.strip().lstrip("-•·*").strip()
            if line:
                rows.append(Commitment(contract_id=contract_id, project_id=project_id, text=line))
        if len(rows) >= BATCH:
            Commitment.objects.bulk_create(rows)
            rows = []
    Commitment.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("lifecycle", "0003_registers_commitments_red_line_risk_renovation"),
        ("customers", "0011_value_class_labels"),
    ]

    operations = [migrations.RunPython(move_commitments, migrations.RunPython.noop, elidable=True)]
