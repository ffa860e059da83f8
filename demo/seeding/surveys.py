"""The surveys part of `manage.py seed_demo`: a completed half-yearly campaign, one in progress, the
surveys after closed complaints, and the follow-ups of the unhappy answers.

Everything goes through surveys' services, as the staff, the owners and the sweep would: a campaign is
created, sent (the send job's steps run here, in-process), answered with `response_save(...,
submit=True)` (so the tallies and the follow-ups are made by the real code), and closed. The moments
are passed as `now=` to the services that take one, so the completed campaign was sent 75 days ago;
two timestamps no service takes are set afterwards, as they would read had it happened then: the
closed campaign's end of the answer period (what the expiry sweep leaves) and a follow-up's
`closed_at` (the outcome recorded before its deadline, so the first sweep fires nothing old), with
its inbox notifications read then.

- completed: `owner-half-yearly` over the four owner segments of every city company, a sample per
  segment, ~62 % answered (a few half-way, one opted out), every follow-up worked, then closed;
- in progress: the same questionnaire for 深圳公司, sent two days ago: some answered, some half-way,
  most not yet; the follow-ups past their warning are worked, the newer ones wait, one became a
  complaint. One unanswered invitation's link is printed by the summary;
- after complaints: the historical complaints are bulk-written (complaints.signals.complaint_closed
  never ran for them), so the survey its receiver schedules is scheduled here for those closed in the
  last 21 days; the sweep's sending step then runs day by day; about half answered.

Idempotent: the two campaigns are found by their sampling seeds (fixed for the demo), the
transactional invitations by their trigger keys.
"""

from __future__ import annotations

import datetime
import random

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from complaints.models import Complaint, Status
from notifications.models import Notification
from surveys.links import answer_url
from surveys.models import Campaign, FollowUp, Invitation, SurveyTemplate
from surveys.services import campaigns as campaign_services
from surveys.services import follow_ups as follow_up_services
from surveys.services import sending
from surveys.services.responses import response_save, survey_opt_out
from surveys.services.transactional import complaint_survey_schedule

from . import survey_answers as answers
from .batches import progress

COMPLETED_SEED, CURRENT_SEED = 140101, 140102  # the demo campaigns' sampling seeds: their identity
HALF_YEARLY = "owner-half-yearly"
DAY, HOUR = datetime.timedelta(days=1), datetime.timedelta(hours=1)
RESPONSE_RATE = 0.62
OUTCOMES = (
    (FollowUp.Status.RESOLVED, "已致电业主致歉，安排工程部三日内上门复查，业主表示认可。"),
    (FollowUp.Status.RESOLVED, "已上门处理，业主确认问题解决，对处理结果满意。"),
    (FollowUp.Status.CONTACTED, "已电话联系业主，记录意见并转物业服务中心跟进。"),
    (FollowUp.Status.CONTACTED, "业主反映的问题已登记，承诺一周内回复处理方案。"),
    (FollowUp.Status.UNREACHABLE, "连续三天致电均未接通，已发送短信请业主回电。"),
)


def half_label(day: datetime.date) -> str:
    return f"{day.year}年{'上' if day.month <= 6 else '下'}半年"


def seed(cmd) -> None:
    template = SurveyTemplate.objects.filter(code=HALF_YEARLY).first()
    admin = User.objects.filter(role=Role.GROUP_ADMIN, is_active=True).order_by("pk").first()
    if template is None or admin is None:
        return
    version = template.latest_version()
    now = timezone.now()
    staff = _FrontLine(cmd)
    _completed_campaign(cmd, random.Random(f"{cmd.seed}:surveys:completed"), admin, version, staff, now)
    _current_campaign(cmd, random.Random(f"{cmd.seed}:surveys:current"), admin, version, staff, now)
    _after_complaints(cmd, random.Random(f"{cmd.seed}:surveys:complaints"), staff, now)
    cmd.survey_link = open_survey_link()


class _FrontLine:
    """Who works a project's follow-ups: the demo logins on their projects, else the city's account."""

    def __init__(self, cmd):
        self.users = {u.username: u for u in User.objects.filter(username__in=("agent", "supervisor"))}
        self.city_staff = cmd.city_staff

    def on(self, project_id: int | None, city_company_id: int) -> User | None:
        agent = self.users.get("agent")
        if agent is not None and project_id and agent.scope.covers(project_id):
            return agent
        return self.city_staff.get(city_company_id)


def _send(campaign: Campaign, *, at: datetime.datetime) -> None:
    """The send job, in-process and at `at`: select, every batch, finish (the task then finds it done)."""
    sending.campaign_select(campaign.pk, now=at)
    while sending.campaign_send_batch(campaign.pk, now=at):
        pass
    sending.campaign_send_finish(campaign.pk, now=at)


def _create_and_send(cmd, admin, version, *, name, sample_seed, at, **fields) -> Campaign:
    campaign = campaign_services.campaign_create(
        by=admin, name=name, template_version=version, sample_seed=sample_seed, **fields
    )
    campaign = campaign_services.campaign_send(by=admin, campaign=campaign, expected_version=campaign.version)
    _send(campaign, at=at)
    Campaign.objects.filter(pk=campaign.pk).update(created_at=at - DAY)
    cmd.created["survey campaigns"] += 1
    campaign.refresh_from_db()
    return campaign


def _by_segment(invitations: list[Invitation], rng: random.Random) -> list[tuple[Invitation, bool]]:
    """(invitation, answers) for every reachable invitation: RESPONSE_RATE of each segment answer
    (at least one per segment), the respondents chosen at random."""
    chosen = []
    segments: dict[str, list[Invitation]] = {}
    for invitation in invitations:
        segments.setdefault(invitation.segment, []).append(invitation)
    for _segment, group in sorted(segments.items()):
        rng.shuffle(group)
        answering = max(1, round(len(group) * RESPONSE_RATE))
        chosen += [(invitation, position < answering) for position, invitation in enumerate(group)]
    return chosen


def _answer(invitation: Invitation, mood: str, rng, *, at, submit=True) -> None:
    data = answers.half_yearly_answers(mood, rng, settling_in=invitation.segment == "settling_in")
    if not submit:
        data = answers.partial(data, rng)
    response_save(invitation, data, submit=submit, now=at)


def _completed_campaign(cmd, rng, admin, version, staff, now) -> None:
    if Campaign.objects.filter(sample_seed=COMPLETED_SEED, kind=Campaign.Kind.PERIODIC).exists():
        return
    sent_at = now - 75 * DAY
    campaign = _create_and_send(
        cmd,
        admin,
        version,
        name=f"{half_label(sent_at.date())}业主满意度调查",
        sample_seed=COMPLETED_SEED,
        at=sent_at,
        sample_per_segment=40,
        remind_after_days=4,
        max_reminders=1,
    )
    reached = list(campaign.invitations.filter(status=Invitation.Status.SENT).order_by("pk"))
    plan = _by_segment(reached, rng)
    respondents = [invitation for invitation, answering in plan if answering]
    mood_of = dict(zip((i.pk for i in respondents), answers.moods(len(respondents), rng), strict=True))
    # Most answer in the first days, the rest after the reminder on day 4.
    moments = {
        i.pk: sent_at + rng.choice((2, 5, 9, 20, 30, 50, 80, 100, 130, 200)) * HOUR for i in respondents
    }
    reminder_at = sent_at + 4 * DAY
    with progress(cmd, len(plan), "half-yearly survey answers") as bar:
        for invitation in sorted(respondents, key=lambda i: moments[i.pk]):
            if reminder_at is not None and moments[invitation.pk] > reminder_at:
                sending.reminders_send(now=reminder_at)
                reminder_at = None
            _answer(invitation, mood_of[invitation.pk], rng, at=moments[invitation.pk])
            bar.update(1)
        silent = [invitation for invitation, answering in plan if not answering]
        for position, invitation in enumerate(silent):
            if position % 12 == 1:  # started, never finished
                _answer(invitation, answers.SATISFIED, rng, at=sent_at + 30 * HOUR, submit=False)
            elif position == 5:
                survey_opt_out(invitation, now=sent_at + 6 * HOUR)
            bar.update(1)
    cmd.created["survey responses"] += len(respondents)
    _work_follow_ups(cmd, rng, staff, FollowUp.objects.filter(invitation__campaign=campaign), now=now)
    campaign = campaign_services.campaign_close(by=admin, campaign=campaign, expected_version=None)
    # Closed when its four weeks were over (what the expiry sweep does), not at the seeding's moment.
    ended = sent_at + 28 * DAY
    Campaign.objects.filter(pk=campaign.pk).update(expires_at=ended, updated_at=ended)
    campaign.invitations.filter(expires_at__gte=ended).update(expires_at=ended)


def _current_campaign(cmd, rng, admin, version, staff, now) -> None:
    if Campaign.objects.filter(sample_seed=CURRENT_SEED, kind=Campaign.Kind.PERIODIC).exists():
        return
    city = cmd.projects.get("sjhc").city_company if "sjhc" in cmd.projects else None
    if city is None:
        return
    sent_at = now - 2 * DAY
    campaign = _create_and_send(
        cmd,
        admin,
        version,
        name=f"{half_label(now.date())}业主满意度调查（{city.name}）",
        sample_seed=CURRENT_SEED,
        at=sent_at,
        city_company=city,
        sample_per_segment=25,
        exclude_surveyed_days=60,
        expires_at=now + 26 * DAY,
    )
    reached = list(campaign.invitations.filter(status=Invitation.Status.SENT).order_by("pk"))
    rng.shuffle(reached)
    # A third answered, one in eight stopped half-way, the rest have not opened the link yet.
    answered = reached[: max(2, len(reached) // 3)]
    halfway = reached[len(answered) : len(answered) + max(1, len(reached) // 8)]
    mood_list = answers.moods(len(answered), rng)
    with progress(cmd, len(answered) + len(halfway), "current survey answers") as bar:
        for invitation, mood in zip(answered, mood_list, strict=True):
            _answer(invitation, mood, rng, at=sent_at + rng.randint(1, 46) * HOUR)
            bar.update(1)
        for invitation in halfway:
            _answer(invitation, answers.SATISFIED, rng, at=sent_at + rng.randint(1, 40) * HOUR, submit=False)
            bar.update(1)
    cmd.created["survey responses"] += len(answered)
    follow_ups = FollowUp.objects.filter(invitation__campaign=campaign)
    _raise_one_complaint(cmd, staff, follow_ups)
    # The team has worked those past their warning; the newer ones wait in the queue.
    _work_follow_ups(cmd, rng, staff, follow_ups.filter(next_check_at__lte=now), now=now)


def _raise_one_complaint(cmd, staff, follow_ups) -> None:
    """The unhappiest open follow-up on a demo login's project becomes a complaint (one click)."""
    for follow_up in follow_ups.filter(status=FollowUp.Status.OPEN).select_related("customer").order_by("pk"):
        by = staff.on(follow_up.project_id, follow_up.city_company_id)
        if by is None or by.username != "agent":
            continue
        follow_up_services.follow_up_raise_complaint(follow_up=follow_up, by=by)
        cmd.created["complaints raised from surveys"] += 1
        return


def _work_follow_ups(cmd, rng, staff, follow_ups, *, now) -> None:
    """Record an outcome on each open follow-up, dated before its warning would have fired."""
    for follow_up in follow_ups.filter(status=FollowUp.Status.OPEN).order_by("pk"):
        by = staff.on(follow_up.project_id, follow_up.city_company_id)
        if by is None:
            continue
        outcome, note = rng.choice(OUTCOMES)
        if follow_up.complaint_id:
            outcome, note = FollowUp.Status.CONTACTED, "已致电业主，问题已转投诉单跟进处理。"
        done = follow_up_services.follow_up_record(
            follow_up=follow_up, by=by, outcome=outcome, note=note, version=follow_up.version
        )
        opened = done.invitation.completed_at or done.created_at
        closed_at = min(now, opened + rng.randint(2, 6) * HOUR)
        FollowUp.objects.filter(pk=done.pk).update(closed_at=closed_at, updated_at=closed_at)
        # The team heard of it when it opened and read it when they worked it.
        Notification.objects.filter(
            kind="survey_follow_up", link=reverse("surveys:follow_up", args=[done.pk])
        ).update(created_at=opened, read_at=closed_at)
        cmd.created["survey follow-ups worked"] += 1


def _after_complaints(cmd, rng, staff, now) -> None:
    """The after-complaint surveys of the complaints closed in the last 21 days, sent as the sweep
    would have (day by day), about half answered."""
    since = now - 21 * DAY
    closed = list(
        Complaint.objects.filter(status=Status.CLOSED, closed_at__gte=since, customer__isnull=False)
        .exclude(pk__in=_surveyed_complaints())
        .select_related("category", "customer", "project")
        .order_by("closed_at", "pk")
    )
    scheduled = [complaint_survey_schedule(complaint) for complaint in closed]
    scheduled = [invitation for invitation in scheduled if invitation is not None]
    if not scheduled:
        return
    cmd.created["after-complaint surveys"] += len(scheduled)
    day = timezone.localtime(since).replace(hour=10, minute=0, second=0, microsecond=0)
    while day <= now:
        sending.scheduled_invitations_send(now=day)
        day += DAY
    sent = Invitation.objects.filter(
        pk__in=[i.pk for i in scheduled], status=Invitation.Status.SENT, sent_at__lte=now - 2 * HOUR
    ).order_by("pk")
    sent = [invitation for invitation in sent if rng.random() < 0.5]
    for invitation, mood in zip(sent, answers.moods(len(sent), rng), strict=True):
        at = min(now - HOUR, invitation.sent_at + rng.randint(1, 30) * HOUR)
        response_save(invitation, answers.after_complaint_answers(mood, rng), submit=True, now=at)
    cmd.created["survey responses"] += len(sent)
    follow_ups = FollowUp.objects.filter(invitation__in=sent, next_check_at__lte=now)
    _work_follow_ups(cmd, rng, staff, follow_ups, now=now)


def _surveyed_complaints() -> list[int]:
    keys = Invitation.objects.filter(trigger_key__startswith="complaint:").values_list(
        "trigger_key", flat=True
    )
    return [int(key.partition(":")[2]) for key in keys]


def open_survey_link() -> str | None:
    """An invitation of the campaign in progress that nobody has opened yet: the link to try."""
    invitation = (
        Invitation.objects.filter(
            campaign__sample_seed=CURRENT_SEED,
            campaign__status=Campaign.Status.OPEN,
            status=Invitation.Status.SENT,
            opened_at__isnull=True,
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .order_by("pk")
        .first()
    )
    return answer_url(invitation) if invitation is not None else None


def surveys_summary() -> dict:
    """What the summary prints about surveys."""
    periodic = Campaign.objects.filter(kind=Campaign.Kind.PERIODIC)
    return {
        "campaigns": periodic.count(),
        "completed": Invitation.objects.filter(status=Invitation.Status.COMPLETED).count(),
        "follow_ups": FollowUp.objects.count(),
        "open_follow_ups": FollowUp.objects.filter(status=FollowUp.Status.OPEN).count(),
        "transactional": Invitation.objects.filter(campaign__kind=Campaign.Kind.TRANSACTIONAL).count(),
    }
