"""The bench's staff: the three users the benchmark logs in as, a supervisor per city company and an
agent per project, who handles its complaints (the bench agent those of its own two projects)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from accounts.models import Role, User

from .estate import BENCH_PREFIX, Estate

BENCH_PASSWORD = "bench-pass-2026"
BENCH_USERS = {"agent": "bench_agent", "city_head": "bench_city_head", "group_admin": "bench_admin"}


@dataclass
class BenchStaff:
    handler_of: dict[int, int]  # project id → the user id handling its complaints
    city_head_company: str  # the name of the city company the bench city head heads


def create_bench_users(estate: Estate) -> BenchStaff:
    cities, projects = estate.cities, estate.projects
    password = make_password(BENCH_PASSWORD)
    made = User.objects.bulk_create(
        [
            User(username=BENCH_USERS["agent"], role=Role.CS_AGENT, password=password, display_name="压测客服"),
            User(username=BENCH_USERS["city_head"], role=Role.CITY_HEAD, password=password, display_name="压测城市负责人"),
            User(username=BENCH_USERS["group_admin"], role=Role.GROUP_ADMIN, password=password, display_name="压测集团管理员"),
        ]
        + [
            User(username=f"{BENCH_PREFIX}_sup_{c.code}", role=Role.CS_SUPERVISOR, password="!", display_name=f"{c.city}客服主管")
            for c in cities
        ]
        + [
            User(username=f"{BENCH_PREFIX}_agent_{p.code}", role=Role.CS_AGENT, password="!", display_name=f"{p.name}客服")
            for p in projects
        ]
    )  # fmt: skip
    agent, city_head = made[0], made[1]
    agent.projects.set(projects[:2])
    city_head.city_companies.set([cities[0]])
    for sup, city in zip(made[3 : 3 + len(cities)], cities, strict=True):
        sup.city_companies.set([city])
    project_agents = made[3 + len(cities) :]
    for user, project in zip(project_agents, projects, strict=True):
        user.projects.set([project])
    handler_of = {p.pk: u.pk for p, u in zip(projects, project_agents, strict=True)}
    # The bench agent handles the complaints of its two projects.
    for p in projects[:2]:
        handler_of[p.pk] = agent.pk
    return BenchStaff(handler_of=handler_of, city_head_company=cities[0].name)
