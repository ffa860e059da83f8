"""A realistic starting category tree and SLA policies; administrators edit both afterwards."""

from django.db import migrations

TREE = [
    ("quality", "房屋质量", "engineering", [
        ("leak", "渗漏"), ("crack", "裂缝"), ("noise", "噪音"), ("doors-windows", "门窗"),
        ("plumbing-electric", "水电"), ("hollow-plaster", "空鼓开裂"), ("equipment", "设备设施"),
    ]),
    ("property-service", "物业服务", "property", [
        ("security", "安保"), ("cleaning", "保洁"), ("landscaping", "绿化"), ("parking", "停车"),
        ("repair-response", "维修响应"),
    ]),
    ("sales-promise", "销售承诺", "sales", [
        ("promise-not-kept", "承诺未兑现"), ("advertising", "宣传不符"), ("contract-terms", "合同条款"),
    ]),
    ("planning-design", "规划设计", "design", [
        ("planning-change", "规划变更"), ("layout", "户型设计"), ("landscape-change", "景观变更"),
        ("amenities", "配套设施"),
    ]),
    ("delivery-delay", "交付延期", "engineering", [
        ("late-handover", "延期交付"), ("late-certificate", "办证延期"),
    ]),
    ("fees", "收费", "property", [
        ("property-fee", "物业费"), ("maintenance-fund", "维修基金"), ("other-fees", "其他收费"),
    ]),
]

DAY = 24 * 60


def seed(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    for order, (code, name, department, children) in enumerate(TREE):
        parent, _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "default_department": department, "sort_order": order}
        )
        for child_order, (child_code, child_name) in enumerate(children):
            Category.objects.get_or_create(
                code=child_code,
                defaults={"name": child_name, "parent": parent, "sort_order": child_order},
            )
    policies = [
        # The rule: a direct response within 24 hours, whatever the complaint.
        dict(name="标准 Standard", first_response_minutes=DAY, plan_minutes=3 * DAY, resolution_minutes=15 * DAY),
        dict(name="重大投诉 Major", severity="major", first_response_minutes=4 * 60, plan_minutes=DAY,
             resolution_minutes=7 * DAY, escalation_2_after_minutes=2 * 60, escalation_3_after_minutes=8 * 60),
        dict(name="群诉 Group", severity="group", first_response_minutes=4 * 60, plan_minutes=2 * DAY,
             resolution_minutes=30 * DAY, escalation_2_after_minutes=2 * 60, escalation_3_after_minutes=8 * 60),
        # Repairs are counted in working time (9:00–18:00 on statutory working days).
        dict(name="报修 Repair", complaint_type="repair", time_basis="working", first_response_minutes=9 * 60,
             plan_minutes=2 * 9 * 60, resolution_minutes=5 * 9 * 60),
        dict(name="咨询 Enquiry", complaint_type="enquiry", first_response_minutes=DAY, plan_minutes=2 * DAY,
             resolution_minutes=3 * DAY),
    ]
    for policy in policies:
        SlaPolicy.objects.get_or_create(name=policy["name"], defaults=policy)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
