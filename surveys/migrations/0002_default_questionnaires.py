"""The default questionnaires, as data: the half-yearly owner satisfaction survey over the ten
dimensions, and the two short surveys sent after a closed complaint and after a handover.

Idempotent by template code (a template that exists is left as it is, edited or not); the reverse
removes them only while no campaign has used them. A transactional template is created inactive when
another active template already answers its event (one active template per event).
"""

from django.db import migrations

YES_NO = [
    {"value": "yes", "label": "是", "label_en": "Yes"},
    {"value": "no", "label": "否", "label_en": "No"},
]


def q(code, kind, dimension, text, text_en, *, role="", required=True, options=None, show_if=None):
    question = {
        "code": code,
        "kind": kind,
        "dimension": dimension,
        "text": text,
        "text_en": text_en,
        "role": role,
        "required": required,
        "options": options or [],
        "show_if_question": "",
        "show_if_values": [],
    }
    if show_if:
        question["show_if_question"], question["show_if_values"] = show_if
    return question


OVERALL = q(
    "overall",
    "rating_5",
    "loyalty",
    "综合考虑各方面，您对我们的总体满意程度如何？",
    "All things considered, how satisfied are you with us overall?",
    role="overall",
)
REPURCHASE = q(
    "repurchase",
    "rating_5",
    "loyalty",
    "如果您将来再次购房，您会再次选择我们的楼盘吗？",
    "If you were to buy a home again, would you choose one of our projects again?",
    role="repurchase",
)
RECOMMEND = q(
    "recommend",
    "rating_10",
    "loyalty",
    "您有多大可能向亲友推荐我们的楼盘？",
    "How likely are you to recommend our projects to family and friends?",
    role="recommend",
)

HALF_YEARLY = {
    "code": "owner-half-yearly",
    "name": "业主满意度调查（半年度）",
    "name_en": "Owner satisfaction survey (half-yearly)",
    "intro": "尊敬的业主：感谢您选择我们的社区。为了持续改进房屋品质和服务，我们每半年邀请业主参加一次满意度调查，"
    "大约需要 5 分钟。您的回答仅用于改进工作。",
    "intro_en": "Dear owner, thank you for making your home with us. To keep improving our homes and services we ask "
    "our owners every half year how we are doing; it takes about 5 minutes. Your answers are used only to improve.",
    "trigger": "campaign",
    "delay_hours": 0,
    "questions": [
        OVERALL,
        REPURCHASE,
        RECOMMEND,
        q(
            "pre_handover_service",
            "rating_5",
            "pre_handover",
            "签约后到交房前，您对我们的服务（工程进度通报、工地开放日、答疑解惑）是否满意？",
            "Between signing and handover, how satisfied were you with our service (progress updates, site open days, answers to your questions)?",
        ),
        q(
            "handover_service",
            "rating_5",
            "handover",
            "您对收房过程的服务（预约、验房陪同、手续办理）是否满意？",
            "How satisfied were you with the handover (booking, the accompanied inspection, the formalities)?",
        ),
        q(
            "house_quality",
            "rating_5",
            "house_quality",
            "您对房屋的整体质量是否满意？",
            "How satisfied are you with the overall quality of your home?",
        ),
        q(
            "quality_issues",
            "single",
            "house_quality",
            "入住以来，您家是否出现过渗漏、墙面开裂、门窗五金损坏等质量问题？",
            "Since you moved in, has your home had quality problems such as leaks, cracks in walls or broken door and window fittings?",
            options=YES_NO,
        ),
        q(
            "quality_issue_kinds",
            "multiple",
            "house_quality",
            "主要是哪些问题？（可多选）",
            "Which problems? (choose all that apply)",
            options=[
                {"value": "leak", "label": "渗漏（屋面、外墙、卫生间、窗边）", "label_en": "Leaks (roof, outer wall, bathroom, window frames)"},
                {"value": "crack", "label": "墙面或地面开裂", "label_en": "Cracks in walls or floors"},
                {"value": "hollow_tile", "label": "空鼓、瓷砖脱落", "label_en": "Hollow or loose tiles"},
                {"value": "fittings", "label": "门窗及五金件", "label_en": "Doors, windows and fittings"},
                {"value": "plumbing", "label": "水电管线", "label_en": "Plumbing and wiring"},
                {"value": "other", "label": "其他", "label_en": "Other"},
            ],
            show_if=("quality_issues", ["yes"]),
        ),
        q(
            "repair_reported",
            "single",
            "repair",
            "这些问题您是否向我们报修过？",
            "Did you report these problems to us for repair?",
            options=YES_NO,
            show_if=("quality_issues", ["yes"]),
        ),
        q(
            "repair_speed",
            "rating_5",
            "repair",
            "您对维修的及时性（响应、上门、完成的速度）是否满意？",
            "How satisfied are you with how quickly the repair was done (response, visit, completion)?",
            show_if=("repair_reported", ["yes"]),
        ),
        q(
            "repair_result",
            "rating_5",
            "repair",
            "您对维修结果（问题是否彻底解决、现场是否清理干净）是否满意？",
            "How satisfied are you with the result of the repair (problem fully solved, site left clean)?",
            show_if=("repair_reported", ["yes"]),
        ),
        q(
            "design",
            "rating_5",
            "design",
            "您对小区的规划设计（楼间距、户型、车位、公共空间、园林景观）是否满意？",
            "How satisfied are you with the estate's planning and design (spacing, layouts, parking, shared spaces, landscaping)?",
        ),
        q(
            "property_service",
            "rating_5",
            "property_service",
            "您对物业服务的总体表现是否满意？",
            "How satisfied are you with the property management service overall?",
        ),
        q(
            "security",
            "rating_5",
            "property_service",
            "您对小区的安全管理（门岗、巡逻、访客和车辆管理）是否满意？",
            "How satisfied are you with security (gate staff, patrols, visitors and vehicles)?",
        ),
        q(
            "cleaning",
            "rating_5",
            "property_service",
            "您对公共区域的清洁卫生和垃圾清运是否满意？",
            "How satisfied are you with the cleaning of shared areas and rubbish collection?",
        ),
        q(
            "greenery",
            "rating_5",
            "property_service",
            "您对小区的绿化养护是否满意？",
            "How satisfied are you with the care of the estate's greenery?",
        ),
        q(
            "property_improve",
            "single",
            "property_service",
            "在物业服务方面，您最希望我们优先改进哪一项？",
            "Which part of the property service should we improve first?",
            options=[
                {"value": "security", "label": "安全管理", "label_en": "Security"},
                {"value": "cleaning", "label": "清洁卫生", "label_en": "Cleaning"},
                {"value": "greenery", "label": "绿化养护", "label_en": "Greenery"},
                {"value": "facilities", "label": "公共设施维护（电梯、门禁、照明）", "label_en": "Shared facilities (lifts, entry system, lighting)"},
                {"value": "parking", "label": "停车管理", "label_en": "Parking"},
                {"value": "attitude", "label": "服务态度与响应速度", "label_en": "Staff attitude and response time"},
            ],
            required=False,
        ),
        q(
            "community_joined",
            "single",
            "community",
            "过去半年，您或家人是否参加过社区组织的活动（邻里节、亲子活动、节日活动等）？",
            "In the past six months, did you or your family take part in a community event (neighbours' day, family activities, festival events)?",
            options=YES_NO,
        ),
        q(
            "community_events",
            "rating_5",
            "community",
            "您对社区文化活动的内容和组织是否满意？",
            "How satisfied are you with the community events and how they were organised?",
            show_if=("community_joined", ["yes"]),
        ),
        q(
            "owner_care",
            "rating_5",
            "owner_care",
            "您对我们的业主关怀（节日问候、生日祝福、业主会活动、回访）是否满意？",
            "How satisfied are you with how we look after owners (festival greetings, birthday wishes, owners' club events, follow-up calls)?",
        ),
        q(
            "living",
            "rating_5",
            "living",
            "您对在小区居住的整体体验（安静程度、邻里氛围、周边配套和交通出行）是否满意？",
            "How satisfied are you with living here overall (quiet, neighbours, nearby shops and services, getting around)?",
        ),
        q(
            "suggestions",
            "text",
            "living",
            "您对我们还有哪些意见或建议？",
            "Is there anything else you would like to tell us, or suggest?",
            required=False,
        ),
    ],
}

AFTER_COMPLAINT = {
    "code": "after-complaint",
    "name": "投诉处理回访",
    "name_en": "After your complaint",
    "intro": "您好！您反映的问题已处理完毕，想请您花 1 分钟告诉我们处理得怎么样。",
    "intro_en": "Hello! The matter you raised with us has been closed. Please take a minute to tell us how we handled it.",
    "trigger": "complaint_closed",
    "delay_hours": 24,
    "questions": [
        q(
            "resolved",
            "single",
            "repair",
            "您反映的问题是否已经解决？",
            "Has the problem you raised been solved?",
            options=[
                {"value": "yes", "label": "已解决", "label_en": "Yes"},
                {"value": "partly", "label": "部分解决", "label_en": "Partly"},
                {"value": "no", "label": "没有解决", "label_en": "No"},
            ],
        ),
        q(
            "unresolved_detail",
            "text",
            "repair",
            "还有哪些没有解决？请简单说明，我们会再跟进。",
            "What is still not solved? Tell us briefly and we will follow it up.",
            required=False,
            show_if=("resolved", ["partly", "no"]),
        ),
        q(
            "handling_speed",
            "rating_5",
            "repair",
            "您对处理速度（响应、上门、解决）是否满意？",
            "How satisfied are you with how quickly it was handled (response, visit, solution)?",
        ),
        OVERALL,
        RECOMMEND,
    ],
}

AFTER_HANDOVER = {
    "code": "after-handover",
    "name": "收房体验调查",
    "name_en": "Your handover",
    "intro": "恭喜您收房！请花 1 分钟告诉我们这次收房的体验。",
    "intro_en": "Congratulations on your new home! Please take a minute to tell us about your handover.",
    "trigger": "handover_signed",
    "delay_hours": 72,
    "questions": [
        q(
            "handover_service",
            "rating_5",
            "handover",
            "您对收房过程的服务（预约、验房陪同、手续办理）是否满意？",
            "How satisfied were you with the handover (booking, the accompanied inspection, the formalities)?",
        ),
        q(
            "house_quality",
            "rating_5",
            "house_quality",
            "验房时，您对房屋的交付质量是否满意？",
            "At the inspection, how satisfied were you with the quality of your home?",
        ),
        OVERALL,
        REPURCHASE,
        RECOMMEND,
        q(
            "suggestions",
            "text",
            "handover",
            "对这次收房，您还有什么意见或建议？",
            "Anything else about your handover you would like to tell us?",
            required=False,
        ),
    ],
}

DEFAULTS = (HALF_YEARLY, AFTER_COMPLAINT, AFTER_HANDOVER)


def create_defaults(apps, schema_editor):
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    SurveyTemplateVersion = apps.get_model("surveys", "SurveyTemplateVersion")
    Question = apps.get_model("surveys", "Question")
    for default in DEFAULTS:
        if SurveyTemplate.objects.filter(code=default["code"]).exists():
            continue
        trigger = default["trigger"]
        taken = trigger != "campaign" and SurveyTemplate.objects.filter(trigger=trigger, is_active=True).exists()
        template = SurveyTemplate.objects.create(
            code=default["code"],
            name=default["name"],
            name_en=default["name_en"],
            intro=default["intro"],
            intro_en=default["intro_en"],
            trigger=trigger,
            delay_hours=default["delay_hours"],
            is_active=not taken,
        )
        version = SurveyTemplateVersion.objects.create(template=template, number=1, is_frozen=False)
        Question.objects.bulk_create(
            Question(template_version=version, position=position, **question)
            for position, question in enumerate(default["questions"], start=1)
        )


def remove_defaults(apps, schema_editor):
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    Question = apps.get_model("surveys", "Question")
    SurveyTemplateVersion = apps.get_model("surveys", "SurveyTemplateVersion")
    for template in SurveyTemplate.objects.filter(code__in=[default["code"] for default in DEFAULTS]):
        versions = SurveyTemplateVersion.objects.filter(template=template)
        if versions.filter(campaigns__isnull=False).exists():
            continue  # sent: its answers keep it
        Question.objects.filter(template_version__in=versions).delete()
        versions.delete()
        template.delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_surveys_programme")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
