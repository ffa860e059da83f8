from django.db import migrations


def seed(apps, schema_editor):
    from delivery.checklist_seed import RECTIFICATION_DEADLINES, STANDARD_CHECKLIST, STANDARD_CHECKLIST_NAME

    ChecklistTemplate = apps.get_model("delivery", "ChecklistTemplate")
    ChecklistItem = apps.get_model("delivery", "ChecklistItem")
    RectificationPolicy = apps.get_model("delivery", "RectificationPolicy")
    template, created = ChecklistTemplate.objects.get_or_create(name=STANDARD_CHECKLIST_NAME)
    if created:
        ChecklistItem.objects.bulk_create(
            ChecklistItem(template=template, room_type=room, area=area, trade=trade, text=text, position=i)
            for i, (room, area, trade, text) in enumerate(STANDARD_CHECKLIST, start=1)
        )
    for severity, (days, level_2, level_3) in RECTIFICATION_DEADLINES.items():
        RectificationPolicy.objects.get_or_create(
            severity=severity,
            defaults={"working_days": days, "escalation_2_after_hours": level_2, "escalation_3_after_hours": level_3},
        )


class Migration(migrations.Migration):
    dependencies = [("delivery", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
