"""The default 6+2 touchpoint plans (zh-Hans and English). Plans are data: the group admin may change
offsets, roles, channels and scripts, or switch one off, in the admin; rerunning this adds nothing twice."""

from django.db import migrations

# code, step, trigger, offset, working days, role, channel, name zh, name en, script zh, script en
PLANS = [
    (
        "welcome_call", "2", "signed", 3, True, "cs_agent", "phone",
        "签约欢迎电话", "Welcome call after signing",
        "您好，我是{项目}客服。恭喜您成为业主！我们会在交付前持续与您联系，有任何问题请随时找我。",
        "Hello, this is the {project} customer service. Congratulations on your new home! We will keep "
        "in touch until the handover; call me any time with a question.",
    ),
    (
        "mortgage_help", "2", "signed", 10, True, "cs_agent", "phone",
        "按揭办理跟进", "Mortgage help follow-up",
        "您好，想了解一下您的按揭贷款办理是否顺利，资料上是否需要我们协助？",
        "Hello, how is your mortgage application going? Do you need our help with any documents?",
    ),
    (
        "progress_letter", "3", "quarterly", 0, False, "cs_agent", "letter",
        "季度工程进度家书", "Quarterly construction progress letter",
        "尊敬的业主：本季度工程进展如下……欢迎关注工地开放日。",
        "Dear owner, this quarter's construction progress is as follows... Watch for the site open day.",
    ),
    (
        "site_open_day", "3", "scheduled", 0, False, "cs_supervisor", "visit",
        "工地开放日邀请", "Construction-site open day invitation",
        "您好，{日期}我们将举办工地开放日，诚邀您到现场参观您的新家。",
        "Hello, on {date} we hold a construction-site open day; you are welcome to visit your future home.",
    ),
    (
        "pre_inspection_invitation", "4", "before_handover", 30, False, "cs_agent", "phone",
        "预验收邀请", "Pre-inspection invitation",
        "您好，您的房屋即将交付，我们邀请您参加交付前的预验收，请问哪天方便？",
        "Hello, your home will be handed over soon. We invite you to the pre-inspection; which day suits you?",
    ),
    (
        "care_call_1m", "5", "months_after_handover", 1, False, "cs_agent", "phone",
        "入住一个月关怀回访", "Care call one month after handover",
        "您好，入住一个月了，生活还习惯吗？房屋有没有需要维修的地方？",
        "Hello, you have lived in your home for a month: is everything well? Does anything need repair?",
    ),
    (
        "care_call_3m", "5", "months_after_handover", 3, False, "cs_agent", "phone",
        "入住三个月关怀回访", "Care call three months after handover",
        "您好，入住三个月了，对物业服务和维修是否满意？",
        "Hello, three months in your home: are you happy with the services and repairs?",
    ),
    (
        "care_call_12m", "5", "months_after_handover", 12, False, "cs_agent", "visit",
        "入住一周年关怀拜访", "Care visit one year after handover",
        "您好，入住满一年，我们上门看望您，并提醒您保修期内的事项。",
        "Hello, a year in your home: we come to see you and go through what the warranty still covers.",
    ),
    (
        "four_year_review", "+2", "years_after_handover", 4, False, "cs_supervisor", "visit",
        "四年之约回访", "Four-year review",
        "您好，入住四年了，我们想听听您对小区公共设施翻新（设备、外墙、宽带、园林、安防）的意见。",
        "Hello, four years on we would like to hear what the estate's shared areas need renewing "
        "(equipment, paint, broadband, landscaping, security).",
    ),
]


def add_plans(apps, schema_editor):
    TouchpointPlan = apps.get_model("lifecycle", "TouchpointPlan")
    for order, row in enumerate(PLANS, start=1):
        code, step, trigger, offset, working, role, channel, name_zh, name_en, script_zh, script_en = row
        TouchpointPlan.objects.get_or_create(
            code=code,
            defaults={
                "step": step,
                "trigger": trigger,
                "offset": offset,
                "working_days": working,
                "role": role,
                "channel": channel,
                "name_zh": name_zh,
                "name_en": name_en,
                "script_zh": script_zh,
                "script_en": script_en,
                "order": order * 10,
            },
        )


def remove_plans(apps, schema_editor):
    TouchpointPlan = apps.get_model("lifecycle", "TouchpointPlan")
    TouchpointPlan.objects.filter(code__in=[row[0] for row in PLANS], touchpoints__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0001_touchpoint_plans_and_tasks")]

    operations = [migrations.RunPython(add_plans, remove_plans)]
