"""The desks' own settings: complaints, messages (the outbox), handover, surveys, the club.

Part of the one settings module (crm/settings.py imports everything here), split off to keep each file
readable; read from the same environment variables. Scheduled tasks go into DESK_BEAT_SCHEDULE, which
settings adds to beat's schedule.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from crm.env_values import clock_time, json_setting

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
env = environ.Env()  # crm/settings.py has read .env already (into the process environment)

DESK_BEAT_SCHEDULE: dict[str, dict] = {}

# --- Complaints --------------------------------------------------------------
# A group case (群诉) is proposed when N open complaints of one category come from one
# building or project within M days.
# The dashboards page's counts (units, sold units, customers by stage) are kept this long per scope.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=300)
GROUP_CASE_MIN_COMPLAINTS = env.int("GROUP_CASE_MIN_COMPLAINTS", default=3)
GROUP_CASE_WINDOW_DAYS = env.int("GROUP_CASE_WINDOW_DAYS", default=7)
# Public complaint form: submissions per IP address (django-ratelimit syntax).
PUBLIC_COMPLAINT_RATE = env.str("PUBLIC_COMPLAINT_RATE", default="5/h")
PUBLIC_TRACK_RATE = env.str("PUBLIC_TRACK_RATE", default="20/h")

# One-time codes that let the public form attach a complaint to the phone's customer record.
PUBLIC_CODE_PHONE_RATE = env.str("PUBLIC_CODE_PHONE_RATE", default="3/h")
PUBLIC_CODE_IP_RATE = env.str("PUBLIC_CODE_IP_RATE", default="10/h")
# An owner who confirmed their phone with a code sees their own cases (/public/mine/) this long.
PUBLIC_OWNER_SESSION_MINUTES = env.int("PUBLIC_OWNER_SESSION_MINUTES", default=30)

# Work orders (派单): one issued without a due time is due WORK_ORDER_DEFAULT_HOURS later (clock hours).
# Its deadline warns at WORK_ORDER_WARNING_PERCENT of the time from issue to due, escalates at the due
# time (level 1) and the given hours after it (levels 2 and 3): complaints.work_order_deadlines.
WORK_ORDER_DEFAULT_HOURS = env.int("WORK_ORDER_DEFAULT_HOURS", default=48)
WORK_ORDER_WARNING_PERCENT = env.int("WORK_ORDER_WARNING_PERCENT", default=75)
WORK_ORDER_ESCALATION_2_AFTER_HOURS = env.int("WORK_ORDER_ESCALATION_2_AFTER_HOURS", default=24)
WORK_ORDER_ESCALATION_3_AFTER_HOURS = env.int("WORK_ORDER_ESCALATION_3_AFTER_HOURS", default=72)
if WORK_ORDER_DEFAULT_HOURS < 1:
    raise ImproperlyConfigured("WORK_ORDER_DEFAULT_HOURS must be at least 1.")
if not 1 <= WORK_ORDER_WARNING_PERCENT <= 99:
    raise ImproperlyConfigured("WORK_ORDER_WARNING_PERCENT must be between 1 and 99.")
if not 0 <= WORK_ORDER_ESCALATION_2_AFTER_HOURS <= WORK_ORDER_ESCALATION_3_AFTER_HOURS:
    raise ImproperlyConfigured(
        "WORK_ORDER_ESCALATION_2_AFTER_HOURS must be 0 or more, and no more than WORK_ORDER_ESCALATION_3_AFTER_HOURS."
    )

# The daily complaint digest (complaints.digest): each city company's heads and customer-service
# managers get yesterday's new, breached and escalated complaints and the open major and group ones,
# by email, every day at COMPLAINT_DIGEST_TIME (HH:MM, TIME_ZONE local time: beat's crontab runs in
# CELERY_TIMEZONE, which is TIME_ZONE).
COMPLAINT_DIGEST_TIME = clock_time(env, "COMPLAINT_DIGEST_TIME", "08:00")
if COMPLAINT_DIGEST_TIME.second or COMPLAINT_DIGEST_TIME.microsecond or COMPLAINT_DIGEST_TIME.tzinfo:
    # A crontab fires on the minute, in TIME_ZONE: seconds or an offset would be silently dropped.
    raise ImproperlyConfigured(
        f"COMPLAINT_DIGEST_TIME must be hours and minutes such as 08:00, not {env.str('COMPLAINT_DIGEST_TIME')!r}."
    )
DESK_BEAT_SCHEDULE["send-complaint-digests"] = {
    "task": "complaints.tasks.send_complaint_digests",
    "schedule": crontab(hour=COMPLAINT_DIGEST_TIME.hour, minute=COMPLAINT_DIGEST_TIME.minute),
}

# The dashboards' weekly report (dashboards.reports.weekly): each city company's heads and
# customer-service managers get last week's figures against the week before, by email, every Monday at
# DASHBOARD_WEEKLY_REPORT_TIME (HH:MM, TIME_ZONE local time).
DASHBOARD_WEEKLY_REPORT_TIME = clock_time(env, "DASHBOARD_WEEKLY_REPORT_TIME", "08:00")
if (
    DASHBOARD_WEEKLY_REPORT_TIME.second
    or DASHBOARD_WEEKLY_REPORT_TIME.microsecond
    or DASHBOARD_WEEKLY_REPORT_TIME.tzinfo
):
    raise ImproperlyConfigured(
        "DASHBOARD_WEEKLY_REPORT_TIME must be hours and minutes such as 08:00, not "
        f"{env.str('DASHBOARD_WEEKLY_REPORT_TIME')!r}."
    )
DESK_BEAT_SCHEDULE["send-weekly-dashboard-reports"] = {
    "task": "dashboards.reports.tasks.send_weekly_dashboard_reports",
    "schedule": crontab(
        day_of_week="mon", hour=DASHBOARD_WEEKLY_REPORT_TIME.hour, minute=DASHBOARD_WEEKLY_REPORT_TIME.minute
    ),
}

# --- Dashboards: the complaint figures' summary tables (dashboards.tasks) ---------
# The recent days and the days of every changed record are counted again every
# DASHBOARD_REFRESH_SECONDS (the page says a figure may be that old); everything every night.
DASHBOARD_REFRESH_SECONDS = env.int("DASHBOARD_REFRESH_SECONDS", default=300)
if DASHBOARD_REFRESH_SECONDS < 30:
    raise ImproperlyConfigured("DASHBOARD_REFRESH_SECONDS must be at least 30.")
DESK_BEAT_SCHEDULE["dashboards-refresh-complaint-figures"] = {
    "task": "dashboards.tasks.refresh_complaint_figures",
    "schedule": DASHBOARD_REFRESH_SECONDS,
}
DESK_BEAT_SCHEDULE["dashboards-recount-complaint-figures"] = {
    "task": "dashboards.tasks.recount_complaint_figures",
    "schedule": crontab(hour=3, minute=40),
}

# --- Messages: the outbox (core.outbox) ------------------------------------------
# Every email, SMS and WeChat template message is a row of the outbox first, sent once its
# transaction commits. Each channel leaves through a provider class (core.outbox.providers says what
# one is); the SMS and WeChat defaults write JSON lines under var/ so that the demo needs nothing.
EMAIL_PROVIDER = env.str("EMAIL_PROVIDER", default="core.outbox.providers.EmailProvider")
SMS_PROVIDER = env.str("SMS_PROVIDER", default="core.outbox.providers.FileSmsProvider")
SMS_FILE_PATH = env.path("SMS_FILE_PATH", default=VAR_DIR / "sms")
WECHAT_PROVIDER = env.str("WECHAT_PROVIDER", default="core.outbox.providers.FileWechatProvider")
WECHAT_FILE_PATH = env.path("WECHAT_FILE_PATH", default=VAR_DIR / "wechat")


# The real gateways (README "Text messages and WeChat"): Tencent Cloud SMS
# (SMS_PROVIDER=core.outbox.tencent_sms.TencentSmsProvider) and WeChat template messages
# (WECHAT_PROVIDER=core.outbox.wechat.WechatTemplateProvider). Both send approved templates only:
# *_TEMPLATES map our template codes to theirs (core.outbox.templates). Checked at start-up, when chosen.
SMS_TENCENT_SECRET_ID = env.str("SMS_TENCENT_SECRET_ID", default="")
SMS_TENCENT_SECRET_KEY = env.str("SMS_TENCENT_SECRET_KEY", default="")
SMS_TENCENT_SDK_APP_ID = env.str("SMS_TENCENT_SDK_APP_ID", default="")
SMS_TENCENT_REGION = env.str("SMS_TENCENT_REGION", default="ap-guangzhou")
SMS_SIGN_NAME = env.str("SMS_SIGN_NAME", default="")  # 短信签名, as approved
SMS_TEMPLATES = json_setting(env, "SMS_TEMPLATES")
WECHAT_APP_ID = env.str("WECHAT_APP_ID", default="")
WECHAT_APP_SECRET = env.str("WECHAT_APP_SECRET", default="")
WECHAT_TEMPLATES = json_setting(env, "WECHAT_TEMPLATES")
# Messages per second per channel, across every worker (counted in CACHES' default: Redis in
# production); 0 for no limit. Set them to what the provider's account allows.
OUTBOX_PER_SECOND = {
    "email": env.int("OUTBOX_EMAIL_PER_SECOND", default=50),
    "sms": env.int("OUTBOX_SMS_PER_SECOND", default=100),
    "wechat": env.int("OUTBOX_WECHAT_PER_SECOND", default=100),
}
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=100)  # rows a sender claims at once
# Senders started when a transaction commits messages: one per batch, up to this (0: leave them to beat).
OUTBOX_DRAIN_PARALLEL = env.int("OUTBOX_DRAIN_PARALLEL", default=8)
OUTBOX_DRAIN_SECONDS = env.int("OUTBOX_DRAIN_SECONDS", default=60)  # then a sender hands over
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=600)  # a dead sender's rows come back
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_RETRY_SECONDS = env.int("OUTBOX_RETRY_SECONDS", default=60)  # doubles after each failure …
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=3600)  # … up to this
# Webhooks to integrations (core.webhooks): a delivery is retried with backoff, then kept as failed.
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_SECONDS = env.int("WEBHOOK_RETRY_SECONDS", default=60)  # doubles after each failure …
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=6 * 3600)  # … up to this
WEBHOOK_BATCH_SIZE = env.int("WEBHOOK_BATCH_SIZE", default=50)
# A sender's time limit is 120 s; its batch's rows stay out of other senders' claims this long.
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=600)
if OUTBOX_LEASE_SECONDS <= 300:
    raise ImproperlyConfigured("OUTBOX_LEASE_SECONDS must exceed the sender task's time limit (300 s).")

# --- Handover ----------------------------------------------------------------
# The owner's booking link (/handover/book/<token>/): page views and bookings per IP address.
HANDOVER_OWNER_VIEW_RATE = env.str("HANDOVER_OWNER_VIEW_RATE", default="60/h")
HANDOVER_OWNER_BOOK_RATE = env.str("HANDOVER_OWNER_BOOK_RATE", default="10/h")

# --- Surveys -----------------------------------------------------------------
# The owner's answer page (/s/<token>/), per IP address (django-ratelimit syntax): page views, and the
# page's autosaves (one per answer given, so a long survey makes a few dozen).
SURVEY_PUBLIC_PAGE_RATE = env.str("SURVEY_PUBLIC_PAGE_RATE", default="120/h")
SURVEY_PUBLIC_SAVE_RATE = env.str("SURVEY_PUBLIC_SAVE_RATE", default="600/h")
# A campaign's send job (surveys.tasks.send_campaign): invitations written and messages enqueued per
# batch, one transaction each; a job runs for at most SURVEY_SEND_JOB_SECONDS and then hands over to
# a fresh one (under Celery's time limit). A campaign left "sending" with no progress for
# SURVEY_SEND_STALL_MINUTES (its worker died) is taken up again by the sweep.
SURVEY_SEND_BATCH = env.int("SURVEY_SEND_BATCH", default=500)
SURVEY_SEND_JOB_SECONDS = env.int("SURVEY_SEND_JOB_SECONDS", default=180)
SURVEY_SEND_STALL_MINUTES = env.int("SURVEY_SEND_STALL_MINUTES", default=10)
# Transactional surveys (after a complaint is closed, after a handover sign-off): how long their link
# stays open after it is sent. Their delay after the event is the template's own `delay_hours`.
SURVEY_TRANSACTIONAL_EXPIRY_DAYS = env.int("SURVEY_TRANSACTIONAL_EXPIRY_DAYS", default=14)
# Reminders and scheduled invitations handled per sweep run (beat's sweep_deadlines runs it).
SURVEY_SWEEP_BATCH = env.int("SURVEY_SWEEP_BATCH", default=2000)
if SURVEY_SEND_BATCH < 1 or SURVEY_SWEEP_BATCH < 1:
    raise ImproperlyConfigured("SURVEY_SEND_BATCH and SURVEY_SWEEP_BATCH must be at least 1.")
if not 10 <= SURVEY_SEND_JOB_SECONDS <= 240:
    raise ImproperlyConfigured("SURVEY_SEND_JOB_SECONDS must be between 10 and 240 (Celery's soft limit).")
# The closed loop (surveys.services.follow_ups): a completed survey with a 0–10 score (the
# recommend question) at or below SURVEY_FOLLOW_UP_RECOMMEND_MAX, or a 1–5 rating at or below
# SURVEY_FOLLOW_UP_RATING_MAX, opens one follow-up due SURVEY_FOLLOW_UP_HOURS working hours later
# (core.workcalendar). It warns at SURVEY_FOLLOW_UP_WARNING_PERCENT of that time, escalates at the
# due time (level 1) and the given clock hours after it (levels 2 and 3): surveys.deadlines.
SURVEY_FOLLOW_UP_RECOMMEND_MAX = env.int("SURVEY_FOLLOW_UP_RECOMMEND_MAX", default=6)
SURVEY_FOLLOW_UP_RATING_MAX = env.int("SURVEY_FOLLOW_UP_RATING_MAX", default=2)
SURVEY_FOLLOW_UP_HOURS = env.int("SURVEY_FOLLOW_UP_HOURS", default=18)
SURVEY_FOLLOW_UP_WARNING_PERCENT = env.int("SURVEY_FOLLOW_UP_WARNING_PERCENT", default=75)
SURVEY_FOLLOW_UP_ESCALATION_2_AFTER_HOURS = env.int("SURVEY_FOLLOW_UP_ESCALATION_2_AFTER_HOURS", default=24)
SURVEY_FOLLOW_UP_ESCALATION_3_AFTER_HOURS = env.int("SURVEY_FOLLOW_UP_ESCALATION_3_AFTER_HOURS", default=72)
if not -1 <= SURVEY_FOLLOW_UP_RECOMMEND_MAX <= 10 or not 0 <= SURVEY_FOLLOW_UP_RATING_MAX <= 5:
    raise ImproperlyConfigured(
        "SURVEY_FOLLOW_UP_RECOMMEND_MAX must be -1 (never) to 10, SURVEY_FOLLOW_UP_RATING_MAX 0 (never) to 5."
    )
if SURVEY_FOLLOW_UP_HOURS < 1:
    raise ImproperlyConfigured("SURVEY_FOLLOW_UP_HOURS must be at least 1.")
if not 1 <= SURVEY_FOLLOW_UP_WARNING_PERCENT <= 99:
    raise ImproperlyConfigured("SURVEY_FOLLOW_UP_WARNING_PERCENT must be between 1 and 99.")
if not 0 <= SURVEY_FOLLOW_UP_ESCALATION_2_AFTER_HOURS <= SURVEY_FOLLOW_UP_ESCALATION_3_AFTER_HOURS:
    raise ImproperlyConfigured(
        "SURVEY_FOLLOW_UP_ESCALATION_2_AFTER_HOURS must be 0 or more, and no more than "
        "SURVEY_FOLLOW_UP_ESCALATION_3_AFTER_HOURS."
    )
# --- The club ---------------------------------------------------------------
# Referrals (老带新): the points a referrer earns, once, when the friend signs a contract.
CLUB_REFERRAL_POINTS = env.int("CLUB_REFERRAL_POINTS", default=500)
# The public purchase-intention page (/club/intent/<project>/): POSTs per IP address, failed ones included.
CLUB_INTENT_RATE = env.str("CLUB_INTENT_RATE", default="10/h")
# A member's own event pages (/club/e/…, /club/r/…): POSTs (register, cancel) per IP address.
CLUB_MEMBER_LINK_RATE = env.str("CLUB_MEMBER_LINK_RATE", default="30/h")
# --- The club ---------------------------------------------------------------------
# Points ledger (membership.services.points): earned points expire this many months after they were
# earned; the daily expiry run (CLUB_NIGHTLY_TIME) writes one expiry entry per member.
CLUB_POINTS_VALID_MONTHS = env.int("CLUB_POINTS_VALID_MONTHS", default=24)
# Care tasks (birthdays, home anniversaries) appear this many days ahead for the project team.
CLUB_CARE_DAYS_AHEAD = env.int("CLUB_CARE_DAYS_AHEAD", default=7)
# When the nightly club runs start (HH:MM, TIME_ZONE): expiry, then tiers, customer value, care tasks.
CLUB_NIGHTLY_TIME = clock_time(env, "CLUB_NIGHTLY_TIME", "02:30")
if CLUB_POINTS_VALID_MONTHS < 1:
    raise ImproperlyConfigured("CLUB_POINTS_VALID_MONTHS must be at least 1.")
if CLUB_CARE_DAYS_AHEAD < 0:
    raise ImproperlyConfigured("CLUB_CARE_DAYS_AHEAD must be 0 or more.")
for _offset, _task in enumerate(
    ("expire_points", "recompute_tiers", "recompute_customer_value", "create_care_tasks")
):
    # Ten minutes apart, in this order: tiers read the balances the expiry left.
    _minute = CLUB_NIGHTLY_TIME.hour * 60 + CLUB_NIGHTLY_TIME.minute + 10 * _offset
    DESK_BEAT_SCHEDULE[f"club-{_task.replace('_', '-')}"] = {
        "task": f"membership.tasks.{_task}",
        "schedule": crontab(hour=(_minute // 60) % 24, minute=_minute % 60),
    }
# --- The club ---------------------------------------------------------------
# The public sign-up page (/club/join/): submissions per IP address and per phone number
# (django-ratelimit syntax), and the least time a person takes to fill it in (a faster post is a
# script: it gets the same friendly answer and nothing is saved).
CLUB_JOIN_IP_RATE = env.str("CLUB_JOIN_IP_RATE", default="10/h")
CLUB_JOIN_PHONE_RATE = env.str("CLUB_JOIN_PHONE_RATE", default="3/d")
CLUB_JOIN_MIN_SECONDS = env.int("CLUB_JOIN_MIN_SECONDS", default=5)
# A sign-up form older than this is refused (the signed start time expires): reload the page.
CLUB_JOIN_MAX_AGE_HOURS = env.int("CLUB_JOIN_MAX_AGE_HOURS", default=12)
# The unsubscribe link in marketing messages (/club/unsubscribe/<token>/): uses per IP address.
CLUB_UNSUBSCRIBE_RATE = env.str("CLUB_UNSUBSCRIBE_RATE", default="30/h")

# --- Lifecycle (6+2) ---------------------------------------------------------
# Touchpoints (lifecycle.services.generation): every day at LIFECYCLE_TOUCHPOINT_GENERATION_TIME the
# plans are laid over the contracts' dates; a touchpoint is created when due within the next
# LIFECYCLE_TOUCHPOINT_HORIZON_DAYS, or overdue by at most LIFECYCLE_TOUCHPOINT_OVERDUE_DAYS (a run missed,
# a plan added: older ones are not made up). Contracts are read LIFECYCLE_GENERATION_BATCH at a time.
LIFECYCLE_TOUCHPOINT_GENERATION_TIME = clock_time(env, "LIFECYCLE_TOUCHPOINT_GENERATION_TIME", "02:30")
LIFECYCLE_TOUCHPOINT_HORIZON_DAYS = env.int("LIFECYCLE_TOUCHPOINT_HORIZON_DAYS", default=30)
LIFECYCLE_TOUCHPOINT_OVERDUE_DAYS = env.int("LIFECYCLE_TOUCHPOINT_OVERDUE_DAYS", default=30)
LIFECYCLE_GENERATION_BATCH = env.int("LIFECYCLE_GENERATION_BATCH", default=2000)
if not 0 <= LIFECYCLE_TOUCHPOINT_HORIZON_DAYS <= 366 or not 0 <= LIFECYCLE_TOUCHPOINT_OVERDUE_DAYS <= 366:
    raise ImproperlyConfigured(
        "LIFECYCLE_TOUCHPOINT_HORIZON_DAYS and LIFECYCLE_TOUCHPOINT_OVERDUE_DAYS must be 0 to 366."
    )
if LIFECYCLE_GENERATION_BATCH < 1:
    raise ImproperlyConfigured("LIFECYCLE_GENERATION_BATCH must be at least 1.")
DESK_BEAT_SCHEDULE["lifecycle-generate-touchpoints"] = {
    "task": "lifecycle.tasks.generate_touchpoints",
    "schedule": crontab(
        hour=LIFECYCLE_TOUCHPOINT_GENERATION_TIME.hour, minute=LIFECYCLE_TOUCHPOINT_GENERATION_TIME.minute
    ),
}
# A touchpoint warns at the opening of business on its due day, escalates at its close (level 1) and
# these clock hours after it (levels 2 and 3): lifecycle.deadlines.
LIFECYCLE_TOUCHPOINT_ESCALATION_2_AFTER_HOURS = env.int(
    "LIFECYCLE_TOUCHPOINT_ESCALATION_2_AFTER_HOURS", default=48
)
LIFECYCLE_TOUCHPOINT_ESCALATION_3_AFTER_HOURS = env.int(
    "LIFECYCLE_TOUCHPOINT_ESCALATION_3_AFTER_HOURS", default=120
)
if not 0 <= LIFECYCLE_TOUCHPOINT_ESCALATION_2_AFTER_HOURS <= LIFECYCLE_TOUCHPOINT_ESCALATION_3_AFTER_HOURS:
    raise ImproperlyConfigured(
        "LIFECYCLE_TOUCHPOINT_ESCALATION_2_AFTER_HOURS must be 0 or more, and no more than "
        "LIFECYCLE_TOUCHPOINT_ESCALATION_3_AFTER_HOURS."
    )
# An open sales commitment past its due date warns at the next opening of business (the responsible
# department's staff and the project's customer-service supervisors), then escalates once to the city
# heads this many days later: lifecycle.commitment_deadlines.
LIFECYCLE_COMMITMENT_ESCALATE_AFTER_DAYS = env.int("LIFECYCLE_COMMITMENT_ESCALATE_AFTER_DAYS", default=7)
if not 0 <= LIFECYCLE_COMMITMENT_ESCALATE_AFTER_DAYS <= 366:
    raise ImproperlyConfigured("LIFECYCLE_COMMITMENT_ESCALATE_AFTER_DAYS must be 0 to 366.")
# --- Lifecycle (6+2) ---
# The owners' representatives' read-only four-year page (/four-year/<token>/): requests per IP address.
LIFECYCLE_REPRESENTATIVE_RATE = env.str("LIFECYCLE_REPRESENTATIVE_RATE", default="60/h")
# Construction news (lifecycle.services.news): sent to a phase's buyers LIFECYCLE_NEWS_SEND_BATCH at a
# time, one transaction each; a job runs for at most LIFECYCLE_NEWS_SEND_JOB_SECONDS and hands over to a
# fresh one; a send with no progress for LIFECYCLE_NEWS_SEND_STALL_MINUTES is taken up again by the sweep.
LIFECYCLE_NEWS_SEND_BATCH = env.int("LIFECYCLE_NEWS_SEND_BATCH", default=500)
LIFECYCLE_NEWS_SEND_JOB_SECONDS = env.int("LIFECYCLE_NEWS_SEND_JOB_SECONDS", default=180)
LIFECYCLE_NEWS_SEND_STALL_MINUTES = env.int("LIFECYCLE_NEWS_SEND_STALL_MINUTES", default=10)
if LIFECYCLE_NEWS_SEND_BATCH < 1 or not 10 <= LIFECYCLE_NEWS_SEND_JOB_SECONDS <= 240:
    raise ImproperlyConfigured(
        "LIFECYCLE_NEWS_SEND_BATCH must be at least 1 and LIFECYCLE_NEWS_SEND_JOB_SECONDS 10 to 240."
    )

# --- Privacy (PIPL) ------------------------------------------------------------
# The retention job (customers.anonymise): every day at PII_RETENTION_TIME (HH:MM, TIME_ZONE), customers
# whose every record is closed and untouched for PII_RETENTION_YEARS years are anonymised (personal data
# replaced by placeholders; ids, dates, categories and scores kept), at most PII_RETENTION_MAX_PER_RUN a
# night (the next night goes on). PII_RETENTION_YEARS=0 turns the job off. `manage.py pii_retention
# --dry-run` reports who is due.
PII_RETENTION_YEARS = env.int("PII_RETENTION_YEARS", default=10)
PII_RETENTION_TIME = clock_time(env, "PII_RETENTION_TIME", "03:30")
PII_RETENTION_MAX_PER_RUN = env.int("PII_RETENTION_MAX_PER_RUN", default=5000)
if PII_RETENTION_YEARS < 0 or PII_RETENTION_MAX_PER_RUN < 1:
    raise ImproperlyConfigured(
        "PII_RETENTION_YEARS must be 0 or more and PII_RETENTION_MAX_PER_RUN at least 1."
    )
DESK_BEAT_SCHEDULE["pii-retention"] = {
    "task": "customers.tasks.anonymise_retained_customers",
    "schedule": crontab(hour=PII_RETENTION_TIME.hour, minute=PII_RETENTION_TIME.minute),
}
