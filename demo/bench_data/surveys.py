"""The bench's surveys: a half-yearly owner questionnaire, a finished campaign with `responses`
completed responses (100,000 by default) and the campaign half a year before it (a fifth of the size,
the results page's comparison), written with COPY like the rest of the bench.

Each respondent has a latent mood (their segment shifts it: owners settling in are the least
satisfied, as in DOMAIN.md) from which their ratings are drawn, so that the three L3 questions and the
dimensions correlate as real answers do; a fifth of the invited never answer, a third of the
respondents write a comment, the leak follow-up is asked only after a "yes" (skip logic).
"""

from __future__ import annotations

import base64
import datetime
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass

from customers.models import Customer
from surveys.day_tallies import day_tallies_rebuild
from surveys.models import (
    Answer,
    Campaign,
    DayTally,
    Dimension,
    Invitation,
    Question,
    QuestionKind,
    QuestionRole,
    ResultTally,
    Segment,
    SurveyTemplate,
    SurveyTemplateVersion,
)
from surveys.services.responses import recommend_scores_fill
from surveys.tallies import tallies_rebuild

from . import bulk
from .writer import RowWriter, next_id

BENCH_TEMPLATE_CODE = "bench-half-yearly"
BENCH_CAMPAIGN_NAME = "压测：2026年下半年业主满意度调查"
PREVIOUS_CAMPAIGN_NAME = "压测：2026年上半年业主满意度调查"
RESPONSE_RATE = 0.8
COMMENT_SHARE = 0.3
SEGMENT_WEIGHTS = ((Segment.BUYER, 15, 0.2), (Segment.SETTLING_IN, 30, -0.35), (Segment.STABLE, 25, 0.0),
                   (Segment.ESTABLISHED, 30, 0.1))  # fmt: skip
COMMENTS = ("物业服务很好，保安很负责", "电梯经常故障，希望尽快处理", "地下车库渗水严重", "小区绿化维护不错",
            "报修响应慢", "希望多组织社区活动", "交付时承诺的配套还没兑现", "整体满意")  # fmt: skip
LEAK_OPTIONS = [
    {"value": "yes", "label": "有", "label_en": "Yes"},
    {"value": "no", "label": "没有", "label_en": "No"},
]
ROOM_OPTIONS = [{"value": "kitchen", "label": "厨房", "label_en": "Kitchen"},
                {"value": "bathroom", "label": "卫生间", "label_en": "Bathroom"},
                {"value": "balcony", "label": "阳台", "label_en": "Balcony"}]  # fmt: skip
# (code, kind, dimension, role, text, text_en, extra): the default half-yearly template's shape.
QUESTIONS = (
    ("overall", QuestionKind.RATING_5, Dimension.LOYALTY, QuestionRole.OVERALL, "总体而言，您对万科的满意程度如何？", "Overall, how satisfied are you?", {}),
    ("repurchase", QuestionKind.RATING_5, Dimension.LOYALTY, QuestionRole.REPURCHASE, "如果再次购房，您会选择万科吗？", "Would you buy from us again?", {}),
    ("recommend", QuestionKind.RATING_10, Dimension.LOYALTY, QuestionRole.RECOMMEND, "您向亲友推荐万科的可能性有多大？", "How likely are you to recommend us?", {}),
    ("pre_handover", QuestionKind.RATING_5, Dimension.PRE_HANDOVER, "", "签约至交付期间的服务", "Service between signing and handover", {}),
    ("handover", QuestionKind.RATING_5, Dimension.HANDOVER, "", "交付服务", "Handover service", {}),
    ("house_quality", QuestionKind.RATING_5, Dimension.HOUSE_QUALITY, "", "房屋质量", "House quality", {}),
    ("leaks", QuestionKind.SINGLE, Dimension.HOUSE_QUALITY, "", "入住后是否出现渗漏？", "Any leaks since moving in?", {"options": LEAK_OPTIONS}),
    ("leak_rooms", QuestionKind.MULTIPLE, Dimension.HOUSE_QUALITY, "", "渗漏发生在哪里？", "Where?", {"options": ROOM_OPTIONS, "show_if_question": "leaks", "show_if_values": ["yes"]}),
    ("repair", QuestionKind.RATING_5, Dimension.REPAIR, "", "维修服务", "Repair service", {}),
    ("design", QuestionKind.RATING_5, Dimension.DESIGN, "", "规划设计", "Planning and design", {}),
    ("property_service", QuestionKind.RATING_5, Dimension.PROPERTY_SERVICE, "", "物业服务", "Property service", {}),
    ("community", QuestionKind.RATING_5, Dimension.COMMUNITY, "", "社区文化", "Community culture", {}),
    ("owner_care", QuestionKind.RATING_5, Dimension.OWNER_CARE, "", "业主关怀", "Owner care", {}),
    ("living", QuestionKind.RATING_5, Dimension.LIVING, "", "居住体验", "Living experience", {}),
    ("comments", QuestionKind.TEXT, Dimension.LIVING, "", "您还有什么建议？", "Anything else?", {"required": False}),
)  # fmt: skip
INVITATION_COLUMNS = ["id", "campaign_id", "customer_id", "token", "city_company_id", "project_id", "segment",
                      "trigger_key", "status", "send_after", "sent_at", "reminders_sent", "last_sent_at",
                      "expires_at", "opened_at", "completed_at", "mode", "subject", "created_at"]  # fmt: skip
ANSWER_COLUMNS = ["id", "invitation_id", "question_id", "score", "choices", "text", "campaign_id",
                  "city_company_id", "project_id", "segment", "dimension", "role", "is_final", "answered_at"]  # fmt: skip


@dataclass
class BenchSurveys:
    campaign: Campaign
    previous: Campaign


def _questionnaire() -> SurveyTemplateVersion:
    template, _created = SurveyTemplate.objects.get_or_create(
        code=BENCH_TEMPLATE_CODE,
        defaults={"name": "业主半年度满意度调查（压测）", "name_en": "Half-yearly (bench)"},
    )
    version = SurveyTemplateVersion.objects.create(
        template=template, number=template.versions.count() + 1, is_frozen=True
    )
    Question.objects.bulk_create(
        Question(template_version=version, position=position, code=code, kind=kind, dimension=dimension,
                 role=role, text=text, text_en=text_en, **extra)
        for position, (code, kind, dimension, role, text, text_en, extra) in enumerate(QUESTIONS, start=1)
    )  # fmt: skip
    return version


def _rating(rng: random.Random, mood: float, top: int) -> int:
    """A 1–5 (or 0–10) answer around the respondent's mood: mostly 4s and 5s, a tail of unhappy ones."""
    if top == 5:
        return max(1, min(5, round(rng.gauss(4.05 + mood, 0.85))))
    return max(0, min(10, round(rng.gauss(8.0 + 2.2 * mood, 1.7))))


def write_surveys(
    writer: RowWriter, rng: random.Random, now: datetime.datetime, *, responses: int, quiet: bool
) -> BenchSurveys:
    """The two campaigns and their invitations and answers; the customers are the bench's own (cycled
    when there are fewer than invitations)."""
    customers = list(
        Customer.objects.order_by("pk").values_list("pk", "city_company_id", "registered_project_id")
    )
    if not customers:
        raise ValueError("write_surveys needs the bench's customers first")
    version = _questionnaire()
    questions = list(version.questions.order_by("position"))
    half_year = datetime.timedelta(days=182)
    previous = Campaign.objects.create(
        name=PREVIOUS_CAMPAIGN_NAME, template_version=version, status=Campaign.Status.CLOSED
    )
    campaign = Campaign.objects.create(
        name=BENCH_CAMPAIGN_NAME, template_version=version, status=Campaign.Status.CLOSED
    )
    Campaign.objects.filter(pk=previous.pk).update(created_at=now - half_year - datetime.timedelta(days=30))
    Campaign.objects.filter(pk=campaign.pk).update(created_at=now - datetime.timedelta(days=30))
    previous.refresh_from_db()
    campaign.refresh_from_db()
    segments = [s for s, _w, _m in SEGMENT_WEIGHTS]
    weights = [w for _s, w, _m in SEGMENT_WEIGHTS]
    mood_of = {s: m for s, _w, m in SEGMENT_WEIGHTS}
    plans = [(previous, max(1, responses // 5), now - half_year - datetime.timedelta(days=30), -0.1),
             (campaign, responses, now - datetime.timedelta(days=30), 0.0)]  # fmt: skip
    invitation_id, answer_id = next_id(Invitation), next_id(Answer)
    with bulk.indexes_dropped((Invitation, Answer), quiet=quiet):
        for target, completed_total, sent_at, shift in plans:
            invited = round(completed_total / RESPONSE_RATE)
            # Who answers what, drawn once so that invitations and answers agree.
            respondents: list[tuple[int, int, int | None, str, datetime.datetime, float]] = []

            def invitation_rows(
                target=target,
                invited=invited,
                sent_at=sent_at,
                completed_total=completed_total,
                shift=shift,
                respondents=respondents,
            ) -> Iterator[tuple]:
                nonlocal invitation_id
                answered = set(rng.sample(range(invited), completed_total))
                for n in range(invited):
                    customer_id, city_id, project_id = customers[n % len(customers)]
                    segment = rng.choices(segments, weights)[0]
                    token = (
                        base64.urlsafe_b64encode(rng.getrandbits(256).to_bytes(32, "big"))
                        .decode()
                        .rstrip("=")
                    )
                    done = n in answered
                    completed_at = (
                        sent_at + datetime.timedelta(minutes=rng.randint(5, 14 * 24 * 60)) if done else None
                    )
                    if done:
                        mood = rng.gauss(mood_of[segment] + shift, 0.55)
                        respondents.append((invitation_id, city_id, project_id, segment, completed_at, mood))
                    yield (
                        invitation_id, target.pk, customer_id, token, city_id, project_id, segment,
                        f"bench:campaign:{target.pk}:{n}", "completed" if done else "sent", sent_at, sent_at,
                        0, sent_at, None, completed_at, completed_at, "self", "", sent_at,
                    )  # fmt: skip
                    invitation_id += 1

            writer.write(Invitation, INVITATION_COLUMNS, invitation_rows(), invited)

            def answer_rows(target=target, respondents=respondents) -> Iterator[tuple]:
                nonlocal answer_id
                for pk, city_id, project_id, segment, completed_at, mood in respondents:
                    leaks = None
                    for question in questions:
                        score, choices, text = None, "[]", ""
                        if question.kind in QuestionKind.numeric():
                            score = _rating(rng, mood, question.top_score)
                        elif question.code == "leaks":
                            leaks = "yes" if rng.random() < 0.18 - 0.1 * mood else "no"
                            choices = json.dumps([leaks])
                        elif question.code == "leak_rooms":
                            if leaks != "yes":
                                continue  # skip logic: asked only after a leak
                            rooms = [o["value"] for o in ROOM_OPTIONS if rng.random() < 0.5] or ["bathroom"]
                            choices = json.dumps(rooms)
                        elif question.kind == QuestionKind.TEXT:
                            if rng.random() >= COMMENT_SHARE:
                                continue
                            text = rng.choice(COMMENTS)
                        yield (
                            answer_id, pk, question.pk, score, choices, text, target.pk, city_id, project_id,
                            segment, question.dimension, question.role, True, completed_at,
                        )  # fmt: skip
                        answer_id += 1

            # The ratings and the leak question, plus rooms after a leak and a third's comments: ~13.5.
            per_respondent = sum(1 for q in questions if q.kind in QuestionKind.numeric()) + 1.5
            writer.write(Answer, ANSWER_COLUMNS, answer_rows(), round(len(respondents) * per_respondent))
    bulk.reset_sequences((Invitation, Answer))
    # COPY bypasses the submit, which keeps each response's recommend score on its invitation, and its
    # transaction, which keeps the results' rollup and the dashboards' day tallies: make them once.
    recommend_scores_fill(Invitation.objects.filter(campaign__in=[previous, campaign]))
    bulk.analyze(Invitation, Answer)
    tallies_rebuild(campaign_ids=[previous.pk, campaign.pk])
    day_tallies_rebuild(progress=not quiet)
    bulk.analyze(ResultTally, DayTally)
    return BenchSurveys(campaign=campaign, previous=previous)
