"""The load test's side in the database (bench/load.py runs it in its own process, on the same settings
as the servers): the simulated users and their sessions, the integration's API token, what each agent
types (owners of its projects), the complaints planted to fall due during the run (the sweep's lag is
read from their SLA alerts), the survey campaign whose send is the bulk job, and the clean-up of all
of it, so that reruns and `make bench` find the bench database as it was.

Users: the bench's per-project agents and per-city supervisors (demo/bench_data/staff.py), the bench
city head and group admin, and, made here once (idempotently), a city head per city company
(`load_head_<city>`) and the integration's user (`load_integration`). Each simulated user is logged in
once, with a session written as Django's login writes it (no password: hashing one costs about a
second of CPU on this machine, which is not what is measured, and no failed login ever reaches
django-axes)."""

from __future__ import annotations

import datetime
import secrets
import time
import uuid

LOAD_PREFIX = "load"
TITLE = "压测负载：卫生间天花板渗水"  # the hotline creates' title; the clean-up finds them by it
PLANTED_CODE = "bench-load-sla"
OWNERS_PER_AGENT = 4


def _session_for(user) -> str:
    """A session of `user`, as django.contrib.auth.login and accounts' idle clock leave it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.middleware import ACTIVITY_KEY

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.StaffBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[ACTIVITY_KEY] = int(time.time())
    session.set_expiry(settings.SESSION_IDLE_MINUTES * 60)
    session.save()
    return session.session_key


def _load_users():
    """The managers and the integration user this script adds, made once."""
    from accounts.models import Role, User
    from properties.models import CityCompany

    heads = []
    for city in (
        CityCompany.objects.filter(code__startswith="bench").exclude(code=PLANTED_CODE).order_by("pk")
    ):
        user, created = User.objects.get_or_create(
            username=f"{LOAD_PREFIX}_head_{city.code}",
            defaults=dict(role=Role.CITY_HEAD, password="!", display_name=f"{city.city}压测负责人"),
        )
        if created:
            user.city_companies.set([city])
        heads.append(user)
    integration, _created = User.objects.get_or_create(
        username=f"{LOAD_PREFIX}_integration",
        defaults=dict(role=Role.GROUP_ADMIN, password="!", display_name="压测接口"),
    )
    return heads, integration


def _agent_entry(user, project, category_id: int) -> dict | None:
    """What one agent types: owners of its project (for search and for hotline creates)."""
    from customers.models import CustomerPhone, HouseholdMember
    from properties.models import Unit

    units = list(Unit.objects.filter(project=project).order_by("pk").values_list("pk", flat=True)[:40])
    members = list(
        HouseholdMember.objects.filter(unit__in=units, role="owner")
        .select_related("unit", "customer")
        .order_by("pk")[: 20 + OWNERS_PER_AGENT]
    )
    members = members[20:] or members[:OWNERS_PER_AGENT]  # past the bench's 360 customer, where there are
    if not members:
        return None
    phones = dict(
        CustomerPhone.objects.filter(customer__in=[m.customer for m in members]).values_list(
            "customer_id", "number"
        )
    )
    owners = [
        {
            "customer": m.customer_id,
            "unit": m.unit_id,
            "name": m.customer.name,
            "phone": phones.get(m.customer_id, ""),
            "unit_code": f"{project.name} {m.unit.code}",
        }
        for m in members
    ]
    return {"username": user.username, "category": category_id, "owners": owners}


def prepare_users() -> dict:
    """The identities the locustfile takes, each with a fresh session (and the integration's token)."""
    from accounts.api_tokens import api_token_issue
    from accounts.models import Role, User
    from complaints.models import Category
    from demo.bench_data import BENCH_PREFIX, BENCH_USERS

    quality = Category.objects.filter(parent__isnull=True, code="quality").first() or Category.objects.first()
    leaf = quality.children.order_by("pk").first() or quality
    agents = []
    for user in User.objects.filter(
        role=Role.CS_AGENT, username__startswith=f"{BENCH_PREFIX}_agent_", is_active=True
    ).order_by("pk"):
        project = user.projects.order_by("pk").first()
        entry = project and _agent_entry(user, project, leaf.pk)
        if entry:
            entry["session"] = _session_for(user)
            agents.append(entry)
    supervisors = [
        {"username": u.username, "session": _session_for(u)}
        for u in User.objects.filter(
            role=Role.CS_SUPERVISOR, username__startswith=f"{BENCH_PREFIX}_sup_"
        ).order_by("pk")
    ]
    heads, integration = _load_users()
    managers = [
        {"username": u.username, "session": _session_for(u)}
        for u in [
            *User.objects.filter(username__in=[BENCH_USERS["city_head"], BENCH_USERS["group_admin"]]),
            *heads,
        ]
    ]
    issued = api_token_issue(
        user=integration,
        name=f"load test {uuid.uuid4().hex[:8]}",
        expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1),
    )
    return {
        "agents": agents,
        "supervisors": supervisors,
        "managers": managers,
        "integration": {"username": integration.username, "token": issued.key, "token_id": issued.token.pk},
        "csrf": secrets.token_hex(16),  # 32 characters: the CSRF secret each client sends as cookie and field
    }


# --- the sweep's lag: complaints whose SLA steps fall due during the run ------------------------------


def plant_due_complaints(*, count: int, first_due: datetime.datetime, last_due: datetime.datetime) -> dict:
    """`count` complaints in a project of their own on a one-minute policy (bench_sla_sweep's): each one's
    warning, then levels 1, 2 and 3 fall due 45 s, 60 s, 120 s and 180 s after it is received; the
    received times are spread so that the first warning falls due at `first_due` and the last level 1 at
    `last_due`."""
    from complaints.management.commands.bench_sla_sweep import bench_place, bulk_due_complaints, quick_policy

    city, project, customer, category = bench_place(
        PLANTED_CODE, company="负载压测公司", project="负载压测项目", customer="负载压测客户"
    )
    policy = quick_policy("SLA load test (1 min)")
    first = first_due - datetime.timedelta(seconds=45)
    last = last_due - datetime.timedelta(seconds=60)
    step = (last - first) / max(count - 1, 1)
    run = uuid.uuid4().hex[:6]
    for index in range(count):
        bulk_due_complaints(
            count=1,
            project=project,
            customer=customer,
            category=category,
            policy=policy,
            received_at=first + step * index,
            prefix=f"LOAD{run}-{index:04d}",
        )
    return {"project": project.pk, "city": city.pk, "customer": customer.pk, "policy": policy.pk}


def sweep_lag(planted: dict, *, started: float, ended: float, period: float) -> dict:
    """Each planted step scheduled during the run against its SLA alert: fired_at − scheduled time.
    A step scheduled before `ended − 2 periods` must have fired within 2 periods ("missed" otherwise);
    later ones are counted as pending when they have not fired yet."""
    from complaints import sla
    from complaints.models import Complaint, SlaAlert, SlaPolicy

    policy = SlaPolicy.objects.get(pk=planted["policy"])
    offsets = {level: sla.escalation_offset(policy, level) for level in (1, 2, 3)}
    fired = {
        (a.complaint_id, a.level): a.fired_at
        for a in SlaAlert.objects.filter(complaint__project_id=planted["project"], target="first_response")
    }
    start = datetime.datetime.fromtimestamp(started, datetime.UTC)
    end = datetime.datetime.fromtimestamp(ended, datetime.UTC)
    allowed = datetime.timedelta(seconds=2 * period)
    lags, missed, pending = [], 0, 0
    for complaint in Complaint.objects.filter(project_id=planted["project"]).only(
        "pk", "received_at", "first_response_due_at", "sla_started_at"
    ):
        due = complaint.first_response_due_at
        warning = complaint.sla_started_at + (due - complaint.sla_started_at) * policy.warning_percent / 100
        for level, scheduled in ((0, warning), *((lv, due + off) for lv, off in offsets.items())):
            if scheduled < start or scheduled > end:
                continue
            at = fired.get((complaint.pk, level))
            if at is None:
                if scheduled + allowed < end:
                    missed += 1
                else:
                    pending += 1
                continue
            lag = (at - scheduled).total_seconds()
            lags.append(lag)
            if lag > allowed.total_seconds():
                missed += 1
    lags.sort()

    def pick(q: float) -> float | None:
        return round(lags[min(len(lags) - 1, int(q * len(lags)))], 1) if lags else None

    return {
        "sweep_period_s": period,
        "allowed_lag_s": 2 * period,
        "steps_fired": len(lags),
        "steps_pending_at_end": pending,
        "steps_missed": missed,
        "lag_p50_s": pick(0.5),
        "lag_p95_s": pick(0.95),
        "lag_max_s": round(lags[-1], 1) if lags else None,
    }


# --- the bulk send: a survey campaign ------------------------------------------------------------------


def prepare_campaign(*, count: int) -> dict:
    """A campaign (its own questionnaire) with `count` invitations selected; its send is started at
    the run's start by the Celery job (surveys.tasks.send_campaign)."""
    from bench.surveys import one_question_campaign
    from surveys.services import sending

    template, campaign = one_question_campaign("load", "压测满意度调查（负载）", "Load test survey")
    selected = sending.campaign_select(campaign.pk, limit=count)
    return {"campaign": campaign.pk, "template": template.pk, "selected": selected}


def campaign_progress(campaign_id: int) -> dict:
    from core.models import OutboxMessage
    from surveys.models import Campaign

    campaign = Campaign.objects.get(pk=campaign_id)
    keys = [f"survey-invitation.{pk}" for pk in campaign.invitations.values_list("pk", flat=True)]
    sent = sum(
        OutboxMessage.objects.filter(idempotency_key__in=keys[i : i + 5000], status="sent").count()
        for i in range(0, len(keys), 5000)
    )
    return {
        "invitations": campaign.send_total,
        "invitations_sent": campaign.send_done,
        "campaign_status": campaign.status,
        "messages_delivered": sent,
    }


# --- clean-up -----------------------------------------------------------------------------------------


def clean_up(state: dict, *, since: datetime.datetime) -> dict:
    """Delete what the run wrote: the hotline creates (and their events, alerts, notifications), the
    planted complaints and their project, the campaign with its invitations and messages, the token and
    the sessions. The load users stay (made once). Returns the counts deleted."""
    from django.contrib.sessions.models import Session
    from django.db import transaction

    from accounts.models import ApiToken
    from bench.pages import _delete_complaints
    from complaints.models import Complaint, SlaPolicy
    from core.models import OutboxMessage
    from customers.models import Customer
    from properties.models import CityCompany, Project
    from surveys.models import Campaign, SurveyTemplate

    done: dict[str, int] = {}
    created = list(
        Complaint.objects.filter(
            title=TITLE, received_at__gte=since - datetime.timedelta(minutes=5)
        ).values_list("pk", flat=True)
    )
    planted = state.get("planted")
    if planted:
        created += list(Complaint.objects.filter(project_id=planted["project"]).values_list("pk", flat=True))
    for start in range(0, len(created), 2000):
        _delete_complaints(created[start : start + 2000])
    done["complaints"] = len(created)
    if planted:
        with transaction.atomic():
            Customer.objects.filter(pk=planted["customer"]).delete()
            Project.objects.filter(pk=planted["project"]).delete()
            CityCompany.objects.filter(pk=planted["city"]).delete()
            SlaPolicy.objects.filter(pk=planted["policy"]).delete()
    campaign = state.get("campaign")
    if campaign:
        row = Campaign.objects.filter(pk=campaign["campaign"]).first()
        if row is not None:
            keys = [f"survey-invitation.{pk}" for pk in row.invitations.values_list("pk", flat=True)]
            deleted = 0
            for start in range(0, len(keys), 5000):
                deleted += OutboxMessage.objects.filter(
                    idempotency_key__in=keys[start : start + 5000]
                ).delete()[0]
            done["outbox_messages"] = deleted
            done["invitations"] = row.invitations.all().delete()[0]
            row.delete()
        template = SurveyTemplate.objects.filter(pk=campaign["template"]).first()
        if template is not None:
            for version in template.versions.all():
                version.questions.all().delete()
                version.delete()
            template.delete()
    users = state.get("users")
    if users:
        ApiToken.objects.filter(pk=users["integration"]["token_id"]).delete()
        keys = [u["session"] for kind in ("agents", "supervisors", "managers") for u in users[kind]]
        done["sessions"] = Session.objects.filter(session_key__in=keys).delete()[0]
    return done
