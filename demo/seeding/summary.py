"""What `seed_demo` prints when it is done: what it created, what the database holds, the demo
logins, and where to look first."""

from __future__ import annotations

from collections import Counter

from accounts.models import Role
from complaints.models import Complaint, GroupCase, Status
from customers.models import Contract, Customer, CustomerPhone, HouseholdMember, Stage
from delivery.models import Appointment, Defect, Handover, HandoverBatch
from properties.models import Building, CityCompany, Phase, Project, Unit

from .club import club_summary
from .lifecycle import lifecycle_summary
from .plan import SHOWCASE_PHONE, SHOWCASE_UNIT
from .staff import DEMO_LOGINS, DEMO_PASSWORD
from .surveys import surveys_summary


def print_summary(cmd) -> None:
    write = cmd.stdout.write
    write(cmd.style.SUCCESS("Demo data ready."))
    write("Created now: " + (", ".join(f"{n} {label}" for label, n in cmd.created.items() if n) or "nothing"))
    totals = (
        ("city companies", CityCompany), ("projects", Project), ("phases", Phase), ("buildings", Building),
        ("units", Unit), ("customers", Customer), ("phones", CustomerPhone),
        ("household members", HouseholdMember), ("contracts", Contract),
    )  # fmt: skip
    write("In the database: " + ", ".join(f"{model.objects.count()} {label}" for label, model in totals))
    stages = ", ".join(f"{Stage(s).label}: {Customer.objects.in_stage(s).count()}" for s in Stage.values)
    write(f"Customers by stage: {stages}")
    write(f"Demo logins (password {DEMO_PASSWORD}):")
    for login in DEMO_LOGINS:
        scope = ", ".join(login.city_companies + login.projects) or "everything"
        write(f"  {login.username:<11} {Role(login.role).label} ({scope})")
    link = getattr(cmd, "survey_link", None)
    if link:
        write(f"A survey to try (an owner's invitation, not answered yet): {link}")
    join = getattr(cmd, "club_join_url", None)
    if join:
        write(f"The club's public sign-up page: {join}")
    write(f"Try the search box: 5678, {SHOWCASE_PHONE}, 张伟, 四季花城 {'-'.join(SHOWCASE_UNIT)}")
    if cmd.duplicate_pair:
        owner, again = cmd.duplicate_pair
        write(
            f"A duplicate record: {owner.name} #{owner.pk} and #{again.pk} (same phone, no ID number); "
            f"as supervisor open /customers/{owner.pk}/ and merge it under 疑似重复客户"
        )
    by_status = Counter(Complaint.objects.values_list("status", flat=True))
    write(
        f"Complaints: {sum(by_status.values())} ("
        + ", ".join(f"{Status(s).label}: {n}" for s, n in sorted(by_status.items()))
        + ")"
    )
    case = GroupCase.objects.filter(is_crisis=True).order_by("pk").first()
    if case is not None:
        write(
            f"A group case (群诉) flagged as a crisis: {case.number}, /complaints/group-cases/{case.pk}/ "
            "(as supervisor: plan, write to all owners; as cityhead: declare the crisis over)"
        )
    defects = Counter(Defect.objects.values_list("status", flat=True))
    write(
        f"Handover: {HandoverBatch.objects.count()} batches, {Appointment.objects.count()} appointments, "
        f"{Handover.objects.filter(status=Handover.Status.HANDED_OVER).count()} units signed off, "
        f"{sum(defects.values())} defects ("
        + ", ".join(f"{Defect.Status(s).label}: {n}" for s, n in sorted(defects.items()))
        + ") — batches and the site queue are on /handover/"
    )
    surveys = surveys_summary()
    write(
        f"Surveys: {surveys['campaigns']} campaigns (one closed, one open), {surveys['completed']} answered, "
        f"{surveys['transactional']} after-complaint and handover surveys, {surveys['follow_ups']} follow-ups of "
        f"unhappy answers ({surveys['open_follow_ups']} open) — on /surveys/"
    )
    club = club_summary()
    write(
        f"The club (万客会): {club['members']} members ({club['linked']} owners linked to their customer record, "
        f"{club['prospects']} not customers yet, {club['to_review']} to review), {club['referrals']} referrals "
        f"({club['bought']} bought), {club['events']} events (one full, with a waitlist), "
        f"{club['care_tasks']} care tasks — on /club/"
    )
    lifecycle = lifecycle_summary(cmd)
    if lifecycle:
        write(lifecycle)
    demo = cmd.demo_complaint
    write(
        cmd.style.WARNING(
            f"Complaint {demo.number} will escalate within 5 minutes: watch /complaints/{demo.pk}/ "
            "(the worker's beat sweeps every SLA_SWEEP_SECONDS, default 60)"
        )
    )
