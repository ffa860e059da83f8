"""How the demo's owners answer a survey: drawn per respondent from one mood, in pure Python.

The moods are shared out by quota, not drawn one by one, so that even a tiny demo holds some unhappy
owners (whose low answers open follow-ups) and a large one comes out near the ~78 % satisfied
(top-2-box of the overall question) that Gallup-style owner surveys report. The answers respect the
questionnaire's skip logic: a follow-on question is answered only when its condition holds (the
submit service would drop it otherwise).
"""

from __future__ import annotations

import random

DELIGHTED, SATISFIED, NEUTRAL, UNHAPPY, ANGRY = "delighted", "satisfied", "neutral", "unhappy", "angry"
# Shares of respondents per mood: 42 % + 36 % give the overall question its ~78 % top-2-box.
MOOD_SHARES = ((DELIGHTED, 0.42), (SATISFIED, 0.36), (NEUTRAL, 0.13), (UNHAPPY, 0.06), (ANGRY, 0.03))
BASE = {DELIGHTED: 5, SATISFIED: 4, NEUTRAL: 3, UNHAPPY: 2, ANGRY: 1}
# How far one rating strays from the mood's base (drawn with equal weight).
SPREAD = {
    DELIGHTED: (0, 0, 0, 0, 0, 0, 0, -1, -1, -1),
    SATISFIED: (0, 0, 0, 0, 0, 0, 1, 1, -1, -1),
    NEUTRAL: (0, 0, 0, 0, 0, 1, 1, 1, -1, -1),
    UNHAPPY: (0, 0, 0, 0, 0, 1, 1, 1, 1, -1),
    ANGRY: (0, 0, 0, 0, 0, 0, 1, 1, 1, 1),
}
RECOMMEND = {
    DELIGHTED: (9, 10, 10, 10),
    SATISFIED: (7, 8, 8, 9, 9, 10),
    NEUTRAL: (5, 6, 7, 7, 7, 8, 8),
    UNHAPPY: (3, 4, 5, 6),
    ANGRY: (0, 1, 2, 3),
}
REPURCHASE = {
    DELIGHTED: (5, 5, 5, 4),
    SATISFIED: (4, 4, 5, 3),
    NEUTRAL: (3, 3, 4, 2),
    UNHAPPY: (2, 3, 2),
    ANGRY: (1, 1, 2),
}
QUALITY_ISSUE_CHANCE = {DELIGHTED: 0.1, SATISFIED: 0.2, NEUTRAL: 0.4, UNHAPPY: 0.7, ANGRY: 0.9}
ISSUE_KINDS = ("leak", "crack", "hollow_tile", "fittings", "plumbing", "other")
IMPROVE = ("security", "cleaning", "greenery", "facilities", "parking", "attitude")
COMMENTS = {
    "good": (
        "物业服务很贴心，管家响应及时，点赞！",
        "小区绿化做得很好，孩子很喜欢在中心花园玩。",
        "整体满意，希望继续保持，社区活动可以再多一些。",
        "交房很顺利，验房时工程师讲解很专业。",
        "保安大哥很负责，晚上回家很安心。",
    ),
    "so-so": (
        "地下车库晚上照明有点暗，建议增加灯光。",
        "快递柜不够用，高峰期经常放不下。",
        "希望增加一些适合老人的健身设施。",
        "电梯高峰期等待时间较长，希望优化运行。",
    ),
    "bad": (
        "卫生间渗水报修两次了还没彻底解决，希望尽快处理。",
        "外墙有裂缝，下雨天窗边渗水，维修师傅来了几次都没修好。",
        "物业费涨了但服务没有改善，保安经常不在岗。",
        "交房时承诺的会所到现在还没开放，很失望。",
        "装修噪音管理太松，周末也一直在施工。",
    ),
}
UNRESOLVED = (
    "维修后还是有点渗水，麻烦再派人看一下。",
    "墙面修补的颜色和原来不一致。",
    "师傅说要等材料，到现在没有消息。",
)


def moods(count: int, rng: random.Random) -> list[str]:
    """`count` moods in the shares above (the remainder to the satisfied), at least one unhappy
    owner once there are three respondents, shuffled."""
    quota = {mood: int(count * share) for mood, share in MOOD_SHARES}
    if count >= 3 and not quota[UNHAPPY] + quota[ANGRY]:
        quota[UNHAPPY] = 1
    quota[SATISFIED] += count - sum(quota.values())
    if quota[SATISFIED] < 0:  # the forced unhappy owner came out of the satisfied
        quota[DELIGHTED] += quota[SATISFIED]
        quota[SATISFIED] = 0
    drawn = [mood for mood, n in quota.items() for _ in range(n)]
    rng.shuffle(drawn)
    return drawn


def _rating(mood: str, rng: random.Random) -> int:
    return min(5, max(1, BASE[mood] + rng.choice(SPREAD[mood])))


def _comment(mood: str, rng: random.Random) -> str:
    tone = "good" if mood in (DELIGHTED, SATISFIED) else "so-so" if mood == NEUTRAL else "bad"
    return rng.choice(COMMENTS[tone])


def half_yearly_answers(mood: str, rng: random.Random, *, settling_in: bool = False) -> dict:
    """The owner-half-yearly questionnaire (surveys migration 0002), by question code."""
    overall = BASE[mood]
    if mood == SATISFIED and rng.random() < 0.25:
        overall = 5
    answers = {
        "overall": overall,
        "repurchase": rng.choice(REPURCHASE[mood]),
        "recommend": rng.choice(RECOMMEND[mood]),
    }
    for code in ("pre_handover_service", "handover_service", "house_quality", "design"):
        answers[code] = _rating(mood, rng)
    # New owners (磨合期) meet most of the quality problems.
    issues = rng.random() < QUALITY_ISSUE_CHANCE[mood] + (0.15 if settling_in else 0)
    answers["quality_issues"] = ["yes" if issues else "no"]
    if issues:
        answers["quality_issue_kinds"] = rng.sample(ISSUE_KINDS[:5], rng.choice((1, 1, 2)))
        reported = rng.random() < 0.8
        answers["repair_reported"] = ["yes" if reported else "no"]
        if reported:
            answers["repair_speed"] = _rating(mood, rng)
            answers["repair_result"] = _rating(mood, rng)
    for code in ("property_service", "security", "cleaning", "greenery"):
        answers[code] = _rating(mood, rng)
    if rng.random() < 0.6:
        answers["property_improve"] = [rng.choice(IMPROVE)]
    joined = rng.random() < 0.35
    answers["community_joined"] = ["yes" if joined else "no"]
    if joined:
        answers["community_events"] = _rating(mood, rng)
    answers["owner_care"] = _rating(mood, rng)
    answers["living"] = _rating(mood, rng)
    # Few write a comment; the unhappy more often.
    if rng.random() < (0.5 if mood in (UNHAPPY, ANGRY) else 0.12):
        answers["suggestions"] = _comment(mood, rng)
    return answers


def partial(answers: dict, rng: random.Random) -> dict:
    """What an owner who stopped half-way has filled in: the first few questions."""
    codes = list(answers)[: rng.randint(3, 8)]
    return {code: answers[code] for code in codes}


def after_complaint_answers(mood: str, rng: random.Random) -> dict:
    """The after-complaint questionnaire (surveys migration 0002), by question code."""
    resolved = {DELIGHTED: "yes", SATISFIED: "yes", NEUTRAL: "partly", UNHAPPY: "partly", ANGRY: "no"}[mood]
    answers = {
        "resolved": [resolved],
        "handling_speed": _rating(mood, rng),
        "overall": BASE[mood],
        "recommend": rng.choice(RECOMMEND[mood]),
    }
    if resolved != "yes" and rng.random() < 0.7:
        answers["unresolved_detail"] = rng.choice(UNRESOLVED)
    return answers
