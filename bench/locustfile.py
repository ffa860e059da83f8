"""The load test's users (Locust, started headless by bench/load.py; not meant to be run alone).

Agents work the SLA board (and its next page), search, open complaints, create hotline complaints
through the API and then record the first contact and a note on them (their own, so no two users
race for one complaint's version); supervisors read their page and the work orders; managers their
home page and the dashboards; an integration pages the complaints API with its token. Each simulated
user takes its own identity (bench/load_setup.py wrote the sessions) and never logs in again.

bench/load.py passes LOAD_CONFIG (the identities, JSON), LOAD_STAGES ("10,50,200"), LOAD_STAGE_SECONDS
and LOAD_SAMPLES (where every request's time is written, by stage, when the run ends).
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import time
from http.cookiejar import Cookie
from pathlib import Path
from urllib.parse import urlsplit

from locust import LoadTestShape, between, events, task
from locust.contrib.fasthttp import FastHttpUser

CONFIG = (
    json.loads(Path(os.environ["LOAD_CONFIG"]).read_text(encoding="utf-8"))
    if "LOAD_CONFIG" in os.environ
    else {}
)
STAGES = [int(n) for n in os.environ.get("LOAD_STAGES", "10,50,200").split(",")]
STAGE_SECONDS = float(os.environ.get("LOAD_STAGE_SECONDS", "60"))
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", "20"))

COMPLAINT_LINK = re.compile(r'href="/complaints/(\d+)/"')
NEXT_PAGE = re.compile(r'rel="next" href="\?(?:[^"]*&amp;)?after=([^"&]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')

_started = {"at": None}
_samples: dict[str, dict[str, list[float]]] = {}
_errors: dict[str, dict[str, int]] = {}
_pools = {kind: itertools.cycle(CONFIG.get(kind) or [None]) for kind in ("agents", "supervisors", "managers")}


def stage_of(now: float) -> str:
    index = min(int((now - (_started["at"] or now)) // STAGE_SECONDS), len(STAGES) - 1)
    return str(STAGES[index])


@events.test_start.add_listener
def _on_start(**_kwargs):
    _started["at"] = time.time()


@events.request.add_listener
def _on_request(name, response_time, exception, **_kwargs):
    stage = stage_of(time.time())
    _samples.setdefault(stage, {}).setdefault(name, []).append(response_time)
    if exception is not None:
        key = f"{name}: {str(exception)[:120]}"
        _errors.setdefault(stage, {}).setdefault(key, 0)
        _errors[stage][key] += 1


@events.quitting.add_listener
def _on_quit(**_kwargs):
    path = os.environ.get("LOAD_SAMPLES")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"started": _started["at"], "samples": _samples, "errors": _errors}, out)


class StagesShape(LoadTestShape):
    """Each stage's user count for STAGE_SECONDS, then stop: the run ends by itself."""

    def tick(self):
        elapsed = self.get_run_time()
        index = int(elapsed // STAGE_SECONDS)
        if index >= len(STAGES):
            return None
        return STAGES[index], SPAWN_RATE


def _cookie(name: str, value: str, host: str) -> Cookie:
    return Cookie(
        0, name, value, None, False, host, False, False, "/", True, False, None, False, None, None, {}
    )


class Staff(FastHttpUser):
    abstract = True
    pool = ""
    wait_time = between(2, 8)  # a person reads the page before the next click

    def on_start(self):
        self.me = next(_pools[self.pool])
        if self.me is None:
            raise RuntimeError(f"no {self.pool} in LOAD_CONFIG")
        host = urlsplit(self.host).hostname
        self.csrf = CONFIG["csrf"]
        self.client.cookiejar.set_cookie(_cookie("sessionid", self.me["session"], host))
        self.client.cookiejar.set_cookie(_cookie("csrftoken", self.csrf, host))

    def page(self, url: str, name: str) -> str:
        """GET a page that must answer 200 (a redirect, to the login above all, is a failure)."""
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return ""
            return response.text or ""

    def post_form(self, url: str, data: dict, name: str, *, expect: int = 302) -> str:
        data = {**data, "csrfmiddlewaretoken": self.csrf}
        headers = {"Referer": f"{self.host}{url}"}
        with self.client.post(
            url, data=data, name=name, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != expect:
                response.failure(f"HTTP {response.status_code}")
                return ""
            location = response.headers.get("Location") or ""
            if "/login/" in location:
                response.failure("redirected to the login")
            return response.text or ""


class Agent(Staff):
    """A customer-service agent of one project (bench_agent_<project>)."""

    weight = 13
    pool = "agents"

    def on_start(self):
        super().on_start()
        self.seen: list[int] = []  # complaints on the board
        self.mine: list[int] = []  # created by this user, not yet answered
        self.answered: list[int] = []
        self.next_board = None

    @task(4)
    def board(self):
        text = self.page("/complaints/", "agent: SLA board /complaints/")
        self.seen = [int(pk) for pk in COMPLAINT_LINK.findall(text)][:50] or self.seen
        match = NEXT_PAGE.search(text)
        self.next_board = html.unescape(match[1]) if match else None

    @task(1)
    def board_next_page(self):
        if self.next_board:
            self.page(f"/complaints/?after={self.next_board}", "agent: SLA board next page (cursor)")

    @task(2)
    def search(self):
        owner = random.choice(self.me["owners"])
        text = random.choice([owner["phone"], owner["phone"][-4:], owner["name"], owner["unit_code"]])
        self.post_form("/search/", {"q": text}, "agent: search POST /search/", expect=200)

    @task(3)
    def complaint_page(self):
        if self.seen:
            self.page(f"/complaints/{random.choice(self.seen)}/", "agent: complaint page /complaints/<id>/")

    @task(1)
    def home(self):
        self.page("/", "agent: work queue /")

    @task(1)
    def hotline_create(self):
        owner = random.choice(self.me["owners"])
        payload = {
            "customer": owner["customer"],
            "unit": owner["unit"],
            "category": self.me["category"],
            "complaint_type": "complaint",
            "channel": "hotline",
            "title": "压测负载：卫生间天花板渗水",  # bench/load_setup.TITLE: the clean-up finds them by it
            "description": "负载测试创建",
        }
        headers = {"X-CSRFToken": self.csrf, "Referer": f"{self.host}/complaints/"}
        with self.client.post(
            "/api/v1/complaints/",
            json=payload,
            headers=headers,
            name="agent: hotline create POST /api/v1/complaints/",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:100]}")
                return
            self.mine.append(response.json()["id"])

    @task(1)
    def first_response_and_note(self):
        """Open one of their new complaints, record the first contact, then add a note."""
        if not self.mine:
            return
        pk = self.mine.pop(0)
        text = self.page(f"/complaints/{pk}/", "agent: complaint page /complaints/<id>/")
        match = VERSION.search(text)
        if not match:
            return
        version = int(match[1])
        self.post_form(
            f"/complaints/{pk}/respond/",
            {"version": version, "method": "call", "content": "已致电业主，约定明日上门查看。"},
            "agent: first response POST /complaints/<id>/respond/",
        )
        self.post_form(
            f"/complaints/{pk}/note/",
            {"version": version + 1, "note": "业主要求上午上门。"},
            "agent: add note POST /complaints/<id>/note/",
        )


class Supervisor(Staff):
    """A customer-service supervisor of one city company."""

    weight = 3
    pool = "supervisors"

    @task(3)
    def supervisor(self):
        self.page("/complaints/supervisor/", "supervisor: /complaints/supervisor/")

    @task(2)
    def board(self):
        self.page("/complaints/", "supervisor: SLA board /complaints/")

    @task(1)
    def work_orders(self):
        self.page("/complaints/work-orders/", "supervisor: work orders /complaints/work-orders/")


class Manager(Staff):
    """A city head (or the group administrator): the dashboards and the home page."""

    weight = 2
    pool = "managers"

    @task(2)
    def dashboards(self):
        self.page("/dashboards/", "manager: dashboards /dashboards/")

    @task(1)
    def home(self):
        self.page("/", "manager: home /")


class Integration(FastHttpUser):
    """A BI or ticketing integration paging the complaints API with its token, newest first."""

    weight = 2
    wait_time = between(0.5, 2)
    pages_per_pass = 20

    def on_start(self):
        self.headers = {"Authorization": f"Token {CONFIG['integration']['token']}"}
        self.next_url = None
        self.pages = 0

    @task
    def api_page(self):
        url = self.next_url if self.next_url and self.pages < self.pages_per_pass else "/api/v1/complaints/"
        if url == "/api/v1/complaints/":
            self.pages = 0
        with self.client.get(
            url, headers=self.headers, name="integration: API /api/v1/complaints/ page", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                self.next_url = None
                return
            following = response.json().get("next")
            self.next_url = urlsplit(following)._replace(scheme="", netloc="").geturl() if following else None
            self.pages += 1
