"""The staff: one demo login per role, a customer-service account per city company, and the
contractor companies engaged on the projects.

The demo logins work on 四季花城, 城市花园 and 万科城 (深圳); the city accounts stand in for the
staff of every other project, so no record names staff of another city.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Contractor, Role, User
from accounts.services import staff_set_role
from properties.models import CityCompany, Project

from .batches import bulk_write
from .estate import CITIES

DEMO_PASSWORD = "demo1234"

# name, trade, phone, the city companies whose projects it works on. The general contractor works in
# 深圳 and 武汉; the demo contractor login, assigned to two 深圳 projects, sees only those.
CONTRACTORS = (
    ("中建三局第一分公司", "施工总包", "027-88881234", ("sz", "wh")),
    ("万科物业维保中心", "物业维保", "0755-25601000", ("sz", "sh", "wh", "gz")),
    ("深圳市固特防水工程有限公司", "防水", "0755-83214567", ("sz",)),
)


@dataclass
class DemoLogin:
    username: str
    role: Role
    display_name: str
    city_companies: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    superuser: bool = False
    department: str = ""
    contractor: str = ""


DEMO_LOGINS = (
    DemoLogin("admin", Role.GROUP_ADMIN, "集团管理员", superuser=True),
    DemoLogin("cityhead", Role.CITY_HEAD, "深圳公司总经理", city_companies=("sz",)),
    # 万科城 (wkc) has a phase still to be handed over (二期, 准业主): the handover team's batches are there.
    DemoLogin("supervisor", Role.CS_SUPERVISOR, "客服主管 陈静", projects=("sjhc", "csgy", "wkc")),
    DemoLogin("agent", Role.CS_AGENT, "客服专员 刘洋", projects=("sjhc", "csgy", "wkc")),
    DemoLogin("engineer", Role.DELIVERY_ENGINEER, "交付工程师 周强", projects=("sjhc", "csgy", "wkc")),
    DemoLogin("dept", Role.DEPARTMENT_STAFF, "工程部 吴磊", projects=("sjhc",), department="engineering"),
    DemoLogin(
        "contractor",
        Role.CONTRACTOR,
        "施工单位 黄师傅",
        projects=("sjhc", "wkc"),
        contractor="中建三局第一分公司",
    ),
    DemoLogin("manager", Role.READONLY_MANAGER, "集团客服总监", city_companies=("sz", "sh", "wh", "gz")),
)


def write_contractors(cmd) -> None:
    """The missing contractor companies, engaged on their cities' projects; cmd.contractors by name."""
    existing = set(Contractor.objects.values_list("name", flat=True))
    bulk_write(
        cmd,
        Contractor,
        [Contractor(name=n, trade=t, contact_phone=p) for n, t, p, _c in CONTRACTORS if n not in existing],
        "contractors",
    )
    cmd.contractors = {c.name: c for c in Contractor.objects.all()}
    # Each company is engaged on the projects of its city companies: work goes only there.
    for name, _trade, _phone, city_codes in CONTRACTORS:
        projects = Project.objects.filter(code__in=cmd.projects, city_company__code__in=city_codes)
        cmd.contractors[name].projects.add(*projects)


def write_city_staff(cmd) -> None:
    """One customer-service account per city company (no demo login): it handled the complaints of
    the projects the demo logins do not work on, so no record names staff of another city."""
    cmd.city_staff = {}
    for code, city_name, *_rest in CITIES:
        city = CityCompany.objects.get(code=code)
        user, created = User.objects.get_or_create(
            username=f"{code}-kefu", defaults={"display_name": f"{city_name}客服中心"}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            staff_set_role(user=user, role=Role.CS_SUPERVISOR)
            user.city_companies.set([city])
            cmd.created["city customer-service accounts"] += 1
        cmd.city_staff[city.pk] = user


def write_logins(cmd) -> None:
    """The demo logins (password DEMO_PASSWORD); an existing login keeps its password and scope."""
    cities = {c.code: c for c in CityCompany.objects.all()}
    for login in DEMO_LOGINS:
        user, created = User.objects.get_or_create(
            username=login.username,
            defaults={"display_name": login.display_name, "email": f"{login.username}@demo.crm.local"},
        )
        if not user.email:
            # SLA warnings and escalations are emailed (the console backend prints them in the demo).
            user.email = f"{login.username}@demo.crm.local"
            user.save(update_fields=["email"])
        contractor_id = cmd.contractors[login.contractor].pk if login.contractor else None
        if (user.department, user.contractor_id) != (login.department, contractor_id):
            # Logins from before departments and contractors existed get them too.
            user.department, user.contractor_id = login.department, contractor_id
            user.save(update_fields=["department", "contractor"])
        if not created:
            continue
        user.set_password(DEMO_PASSWORD)
        user.is_superuser = login.superuser
        user.save(update_fields=["password", "is_superuser"])
        staff_set_role(user=user, role=login.role)
        user.city_companies.set([cities[code] for code in login.city_companies])
        user.projects.set([cmd.projects[code] for code in login.projects])
        cmd.created["demo logins"] += 1
