"""The pages that must hold at 1M complaints, each requested in-process with django.test.Client (no
network, no web server): the time is the whole Django request (middleware, view, queries, template).
The board, the API, the customer 360, an owner's own cases on the public pages, search, complaint
creation (by service and by API), the other keyset lists, the supervisor page, the club's lists
(bench/club.py), the home work queue and the dashboards page."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from bench.club import measure_club
from bench.fixtures import Fixtures
from bench.timing import Row, Rows, measure


def measure_pages(rows: Rows, fx: Fixtures, *, requests: int, warmup: int) -> None:
    """Append a row per page path that --only wants; the create paths delete what they made."""
    from django.test import Client

    from complaints import services

    def measure_wanted(name: str, kind: str, call: Callable[[], object], **kwargs) -> Row:
        return measure(name, kind, call, **kwargs) if rows.wanted(name) else Row(name, kind)

    def client_for(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        return client

    head, admin, agent = client_for(fx.city_head), client_for(fx.admin), client_for(fx.agent)
    timed = dict(requests=requests, warmup=warmup)
    filtered = f"project={fx.project.pk}&category={fx.category.pk}&status=open"

    def get(client, url):
        return lambda: client.get(url)

    def post(client, url, data):  # the search box posts (finding 10.9)
        return lambda: client.post(url, data)

    rows.append(
        measure_wanted(
            "board /complaints/ first page (city head)", "list", get(head, "/complaints/"), **timed
        )
    )
    rows.append(
        measure_wanted("board first page (group admin, all 1M)", "list", get(admin, "/complaints/"), **timed)
    )
    if fx.board_deep_cursor:
        deep = f"/complaints/?after={quote(fx.board_deep_cursor)}"
        rows.append(measure_wanted("board 50 pages deep (keyset cursor)", "list", get(head, deep), **timed))
    else:
        rows.append(Row("board 50 pages deep (keyset cursor)", "list", note="n/a: no open complaints"))
    rows.append(
        measure_wanted(
            "board filtered project+category+open", "list", get(head, f"/complaints/?{filtered}"), **timed
        )
    )
    # The board's text filter (complaints/search.py's words: a trigram index from three characters).
    for label, words in (("3 characters", "卫生间渗水"), ("2 characters", "渗水")):
        rows.append(
            measure_wanted(
                f"board words {label} (city head)",
                "list",
                get(head, f"/complaints/?q={quote(words)}"),
                **timed,
            )
        )
    rows.append(
        measure_wanted("API /api/v1/complaints/ first page", "api", get(head, "/api/v1/complaints/"), **timed)
    )
    rows.append(
        measure_wanted(
            "API 50 pages deep (cursor)",
            "api",
            get(head, f"/api/v1/complaints/?cursor={fx.api_deep_cursor}"),
            **timed,
        )
    )
    rows.append(
        measure_wanted(
            "API filtered project+category+open", "api", get(head, f"/api/v1/complaints/?{filtered}"), **timed
        )
    )
    if fx.customer_360:
        rows.append(
            measure_wanted(
                "customer 360 (10 units, 50 complaints)",
                "360",
                get(head, f"/customers/{fx.customer_360.pk}/"),
                **timed,
            )
        )
    else:
        rows.append(Row("customer 360 (10 units, 50 complaints)", "360", note="n/a: no bench 360 customer"))
    # The same customer's owner timeline (demo/bench_data/timeline.py adds 1,000 entries to the 50
    # complaints' own): one query per kind, whatever the length of the history.
    for name, url in (
        ("owner timeline page (1,000+ events)", "/lifecycle/customers/{pk}/timeline/"),
        ("owner timeline API (1,000+ events)", "/api/v1/customers/{pk}/timeline/"),
    ):
        if fx.customer_360:
            rows.append(measure_wanted(name, "360", get(head, url.format(pk=fx.customer_360.pk)), **timed))
        else:
            rows.append(Row(name, "360", note="n/a: no bench 360 customer"))
    if fx.customer_360:
        owner, signed_in_code = _owner_signed_in(fx.customer_360)
        rows.append(
            measure_wanted(
                "owner's cases /public/mine/ (50 complaints)", "list", get(owner, "/public/mine/"), **timed
            )
        )
        signed_in_code.delete()
    else:
        rows.append(
            Row("owner's cases /public/mine/ (50 complaints)", "list", note="n/a: no bench 360 customer")
        )
    for label, text in (
        ("full phone", fx.phone),
        ("phone tail", fx.phone[-4:]),
        ("name, 2 characters", fx.name_fragment),
        ("name, 3 characters", fx.full_name),
        ("unit code", f"{fx.project.name} {fx.unit.code}"),
    ):
        rows.append(
            measure_wanted(f"search: {label}", "search", post(agent, "/search/", {"q": text}), **timed)
        )
    # Numbers open their record (a redirect); words search complaint subjects and descriptions
    # (complaints/search.py, trigram indexes on PostgreSQL).
    from complaints.models import Complaint

    newest_number = (
        Complaint.objects.visible_to(fx.agent).order_by("-id").values_list("number", flat=True).first()
    )
    if newest_number:
        rows.append(
            measure_wanted(
                "search: complaint number", "search", post(agent, "/search/", {"q": newest_number}), **timed
            )
        )
    else:
        rows.append(Row("search: complaint number", "search", note="n/a: no complaint in the agent's scope"))
    rows.append(
        measure_wanted("search: words 渗水", "search", post(agent, "/search/", {"q": "渗水"}), **timed)
    )

    created: list[int] = []
    complaint_input = dict(
        customer=fx.unit.household.filter(role="owner").get().customer,
        unit=fx.unit,
        category=fx.category.children.order_by("pk").first() or fx.category,
        complaint_type="complaint",
        channel="hotline",
        title="压测：卫生间天花板渗水",
        description="压测创建",
    )

    def create_by_service():
        created.append(services.complaint_create(by=fx.agent, **complaint_input).pk)

    rows.append(measure_wanted("create: services.complaint_create", "create", create_by_service, **timed))
    payload = {
        "customer": complaint_input["customer"].pk,
        "unit": fx.unit.pk,
        "category": complaint_input["category"].pk,
        "complaint_type": "complaint",
        "channel": "hotline",
        "title": "压测：API 创建",
        "description": "压测创建",
    }

    def create_by_api():
        response = agent.post("/api/v1/complaints/", payload, content_type="application/json")
        if response.status_code == 201:
            created.append(response.json()["id"])
        return response

    rows.append(measure_wanted("create: POST /api/v1/complaints/", "create", create_by_api, **timed))
    _delete_complaints(created)

    # The other keyset lists: (name, URL); a deep page only where the data reaches that deep.
    lists = [
        ("customer list first page (city head)", "/customers/"),
        ("customer list 50 pages deep (keyset)", _after("/customers/", fx.customer_deep_cursor)),
        ("work orders /complaints/work-orders/ (city head)", "/complaints/work-orders/"),
        ("work orders 50 pages deep (keyset)", _after("/complaints/work-orders/", fx.work_order_deep_cursor)),
        ("work orders, all (open and done)", "/complaints/work-orders/?show=all"),
        # A header's other orders (core.listing): each one an index read either way, never a sort.
        ("board sorted: latest due first", "/complaints/?sort=-due"),
        ("board sorted: oldest open complaint first", "/complaints/?sort=number"),
        ("work orders sorted: oldest open first", "/complaints/work-orders/?sort=number"),
        ("customer list sorted: oldest first", "/customers/?sort=created"),
        # The dashboards' drill-down lists (a figure's records): newest first, counted up to 1,000.
        ("survey responses /surveys/responses/ (city head)", "/surveys/responses/"),
        ("survey responses: detractors", "/surveys/responses/?nps=detractor"),
        ("all touchpoints /lifecycle/touchpoints/all/ (city head)", "/lifecycle/touchpoints/all/"),
        ("touchpoints overdue now", "/lifecycle/touchpoints/all/?overdue=1"),
        ("formal inspections /handover/inspections/formal/", "/handover/inspections/formal/"),
    ]
    for name, url in lists:
        if url:
            rows.append(measure_wanted(name, "list", get(head, url), **timed))
    rows.append(
        measure_wanted(
            "supervisor /complaints/supervisor/", "page", get(head, "/complaints/supervisor/"), **timed
        )
    )
    _measure_survey_results(rows, measure_wanted, head, admin, timed)
    measure_club(rows, measure_wanted, head, fx.city_head, timed)
    # The home page is each role's work queue now: a few bounded, indexed reads per role.
    rows.append(measure_wanted("home dashboard / (city head)", "page", get(head, "/"), **timed))
    rows.append(measure_wanted("home dashboard / (group admin)", "page", get(admin, "/"), **timed))
    rows.append(measure_wanted("home work queue / (agent)", "page", get(agent, "/"), **timed))
    # The personal-data access log (PIPL): the whole group's, keyset-paged on (time, id).
    rows.append(
        measure_wanted(
            "access log /access-log/ first page (group admin)", "list", get(admin, "/access-log/"), **timed
        )
    )
    # The dashboards (issue 17): every registered source's figures for this month, its trend and the
    # side-by-side rows; from the summaries (the default) and counted anew over the records (?fresh=1).
    for who, client in (("city head", head), ("group admin", admin)):
        rows.append(
            measure_wanted(
                f"dashboards page /dashboards/ from the summary ({who})",
                "dashboard",
                get(client, "/dashboards/"),
                **timed,
            )
        )
        rows.append(
            measure_wanted(
                f"dashboards page counted anew ({who})",
                "dashboard",
                get(client, "/dashboards/?fresh=1"),
                **timed,
            )
        )


def _measure_survey_results(rows: Rows, measure_wanted, head, admin, timed) -> None:
    """The results page of the bench survey (demo/bench_data/surveys.py: 100,000 responses and the
    campaign before it), whole, for a city head (their city's answers only) and filtered."""
    from demo.bench_data.surveys import BENCH_CAMPAIGN_NAME
    from surveys.models import Answer, Campaign

    campaign = Campaign.objects.filter(name=BENCH_CAMPAIGN_NAME).first()
    names = ("survey results (group admin)", "survey results (city head)", "survey results filtered")
    if campaign is None:
        for name in names:
            rows.append(Row(name, "survey", note="n/a: no bench survey (manage.py bench_surveys)"))
        return
    url = f"/surveys/campaigns/{campaign.pk}/results/"
    responses = campaign.invitations.filter(completed_at__isnull=False).count()
    label = f"{responses:,} responses"
    sample = Answer.objects.filter(campaign=campaign).values("project_id", "segment").first() or {}
    filtered = f"{url}?segment={sample.get('segment', '')}&project={sample.get('project_id') or ''}"
    rows.append(measure_wanted(f"{names[0]}, {label}", "survey", lambda: admin.get(url), **timed))
    rows.append(measure_wanted(f"{names[1]}, {label}", "survey", lambda: head.get(url), **timed))
    rows.append(
        measure_wanted(f"{names[2]} (segment + project)", "survey", lambda: admin.get(filtered), **timed)
    )


def _owner_signed_in(customer):
    """A browser session that confirmed the customer's phone on /public/mine/, as a texted code leaves it
    (no text sent), and that code, for the caller to delete."""
    import datetime

    from django.test import Client
    from django.utils import timezone

    from complaints.models import PublicPhoneCode
    from complaints.views.owner import OWNER_SESSION_KEY

    now = timezone.now()
    phone = customer.phones.order_by("-is_primary", "pk").values_list("number", flat=True).first()
    code = PublicPhoneCode.objects.create(phone=phone, code_hash="bench", expires_at=now, used_at=now)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    session = client.session
    session[OWNER_SESSION_KEY] = {"code": code.pk, "until": (now + datetime.timedelta(days=1)).timestamp()}
    session.save()
    return client, code


def _after(url: str, cursor: str | None) -> str | None:
    """`url` at the page after `cursor`; None without a cursor (the path is not measured)."""
    return f"{url}?after={quote(cursor)}" if cursor else None


def _delete_complaints(pks: list[int]) -> None:
    """Remove what the create paths made, so that reruns measure the same data."""
    from complaints.models import Complaint, ComplaintEvent, SlaAlert
    from notifications.models import Notification

    if not pks:
        return
    SlaAlert.objects.filter(complaint_id__in=pks).delete()
    ComplaintEvent.objects.filter(complaint_id__in=pks).delete()
    Notification.objects.filter(link__in=[f"/complaints/{pk}/" for pk in pks]).delete()
    Complaint.objects.filter(pk__in=pks).delete()
