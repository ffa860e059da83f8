"""The 6+2 lifecycle part of `manage.py seed_demo`, through lifecycle's services as the staff would:

- touchpoints: the nightly generation run once over every contract; the demo agent's next few tried
  yesterday without an answer, so due again today, and two more worked;
- sales commitments: the contracts' free-text promises as register rows (what the migration does on an
  existing database); those of homes handed over kept (one waived), the rest open, and dated promises
  with departments on the buyers of the batch in planning (one overdue);
- the red line of the batches' project: items inside and outside, a first disclosure signed by every
  buyer, then a base-station tower added and published as the second version, signed only by the
  buyers of the open batch — so the batch in planning cannot open until its buyers sign;
- risk checkpoints of that project (four done with findings and follow-ups, the pre-handover one
  planned), and two of 四季花城;
- the four-year appointment of 四季花城 (handed over years ago): renovation items raised from owners,
  a complaint and a survey answer, in every state, and the owners' representatives' link;
- construction news of the phase being handed over: one sent to its buyers 39 days ago, one draft
  ready to send (sending it does the buyers' progress letters coming due, some of them the agent's today).

Idempotent: each part is skipped when its rows exist. Counts go to cmd.created.
"""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from accounts.models import Department, Role, User
from complaints.models import Complaint
from customers.models import Contract
from delivery.models import HandoverBatch
from lifecycle.deadlines import clock_set
from lifecycle.models import (
    Commitment,
    ConstructionNews,
    RedLineItem,
    RenovationItem,
    RiskCheckpoint,
    Touchpoint,
)
from lifecycle.services import commitments, news, red_line, renovation, risk
from lifecycle.services.generation import touchpoints_generate
from lifecycle.services.touchpoints import touchpoint_record
from surveys.models import Answer

from .batches import progress
from .delivery_rectification import photo_png

DAY = datetime.timedelta(days=1)
DUE_TODAY = 6  # the demo agent's touchpoints due today
RENOVATION_PROJECT = "sjhc"


def seed(cmd) -> None:
    users = {
        u.username: u for u in User.objects.filter(username__in=("admin", "supervisor", "agent", "engineer"))
    }
    if not {"supervisor", "agent", "engineer"} <= set(users):
        return
    planned = HandoverBatch.objects.filter(status=HandoverBatch.Status.PLANNING).order_by("pk").first()
    opened = HandoverBatch.objects.filter(status=HandoverBatch.Status.OPEN).order_by("pk").first()
    generated = touchpoints_generate(today=cmd.today)
    cmd.created["touchpoints"] += generated.created
    _touchpoints(cmd, users)
    if planned is not None:
        _news(cmd, users, planned)
    _commitments(cmd, users, planned)
    if planned is not None:
        _red_line(cmd, users, planned, opened)
        _risk(cmd, users, planned.project)
    _renovation(cmd, users)


# --- touchpoints ---------------------------------------------------------------------------------------


def _touchpoints(cmd, users) -> None:
    """The agent's next few: tried yesterday without an answer, so due again today (a date generation
    leaves alone, the touchpoint having been attempted); and two more worked today."""
    agent = users["agent"]
    if Touchpoint.objects.filter(assignee=agent).exists():
        return
    today = cmd.today
    upcoming = list(
        Touchpoint.objects.visible_to(agent)
        .pending()
        .filter(role=Role.CS_AGENT, assignee__isnull=True, due_on__gt=today)
        .order_by("due_on", "pk")[: DUE_TODAY + 2]
    )
    # At least two due today; up to two worked when there are enough (a small demo has a handful).
    worked_count = min(2, max(0, len(upcoming) - 2))
    worked, upcoming = upcoming[:worked_count], upcoming[worked_count:]
    for touchpoint in upcoming[:DUE_TODAY]:
        tried = touchpoint_record(
            touchpoint_id=touchpoint.pk,
            by=agent,
            outcome=Touchpoint.Status.NO_ANSWER,
            note="无人接听，明天再拨",
            version=touchpoint.version,
        )
        # Recorded yesterday: the retry is due today (the service would say the next working day).
        fields = clock_set(tried, today)
        tried.save(update_fields=[*fields, "updated_at"])
    for touchpoint, outcome, note in zip(
        worked,
        (Touchpoint.Status.REACHED, Touchpoint.Status.DONE),
        ("业主已接听，对工程进度表示满意", "已寄出家书"),
        strict=False,
    ):
        touchpoint_record(
            touchpoint_id=touchpoint.pk, by=agent, outcome=outcome, note=note, version=touchpoint.version
        )
    cmd.created["touchpoints due today for the agent"] += min(len(upcoming), DUE_TODAY)
    cmd.created["touchpoints worked"] += len(worked)


# --- sales commitments ---------------------------------------------------------------------------------

# Dated promises with their departments, on the buyers of the batch in planning (days from today).
DATED_PROMISES = (
    ("交付前完成小区南门外立面整治", Department.ENGINEERING, -5),
    ("车位按开盘价优先选购", Department.SALES, 20),
    ("交付时开通千兆宽带", Department.PROPERTY_MANAGEMENT, 30),
)


def _writer(cmd, users, project) -> User:
    """Who keeps a project's register: the demo supervisor on their projects, else the city's account."""
    supervisor = users["supervisor"]
    return supervisor if supervisor.scope.covers(project.pk) else cmd.city_staff[project.city_company_id]


def _commitments(cmd, users, planned) -> None:
    if Commitment.objects.exists():
        return
    contracts = list(
        Contract.objects.exclude(commitments="")
        .filter(status=Contract.Status.ACTIVE)
        .select_related("unit__project")
        .order_by("pk")
    )
    rows = []
    with progress(cmd, len(contracts), "sales commitments") as bar:
        for contract in contracts:
            by = _writer(cmd, users, contract.unit.project)
            for line in contract.commitments.splitlines():
                if line.strip():
                    rows.append(
                        (
                            contract,
                            commitments.commitment_create(
                                by=by,
                                contract=contract,
                                text=line.strip(),
                                promised_by_name="置业顾问（已离职）",
                            ),
                        )
                    )
            bar.update(1)
    # Homes handed over: their promises were kept (the clubhouse one waived when the club opened late).
    kept = waived = 0
    for contract, commitment in rows:
        if contract.handed_over_on is None:
            continue
        by = _writer(cmd, users, contract.unit.project)
        if not waived and "会所" in commitment.text:
            commitments.commitment_settle(
                by=by, commitment=commitment, status="waived", note="会所延期开放，业主同意以一年物业费抵偿"
            )
            waived += 1
        else:
            commitments.commitment_settle(by=by, commitment=commitment, status="fulfilled", note="已兑现")
            kept += 1
    dated = 0
    if planned is not None:
        supervisor = users["supervisor"]
        buyers = Contract.objects.filter(
            unit__handover__batch=planned, status=Contract.Status.ACTIVE
        ).select_related("unit")
        for contract, (text, department, days) in zip(
            buyers.order_by("unit__code"), DATED_PROMISES, strict=False
        ):
            commitments.commitment_create(
                by=supervisor,
                contract=contract,
                text=text,
                promised_by=supervisor,
                department=department,
                due_on=cmd.today + days * DAY,
            )
            dated += 1
    cmd.created["sales commitments"] += len(rows) + dated
    cmd.created["sales commitments kept or waived"] += kept + waived


# --- the red line --------------------------------------------------------------------------------------

# side, kind, location, distance (m), material, description
RED_LINE_ITEMS = (
    ("inside", "car_park_ramp", "4栋北侧地库出入口", 15, True, "车辆进出地库经过4栋北侧"),
    ("inside", "transformer_box", "3栋西侧绿化带箱变", 8, True, ""),
    ("inside", "refuse_room", "2栋东侧垃圾收集房", 20, False, "每日清运两次"),
    ("outside", "motorway", "小区南侧城市快速路高架", 120, True, "高峰期有交通噪声"),
    ("outside", "fuel_station", "西北侧加油站", 300, False, ""),
)
NEW_ITEM = ("outside", "base_station", "东侧规划通信基站", 60, True, "规划局公示新增，原规划未标注")


def _red_line(cmd, users, planned, opened) -> None:
    project = planned.project
    if RedLineItem.objects.filter(project=project).exists():
        return
    supervisor, engineer = users["supervisor"], users["engineer"]

    def add(side, kind, location, distance, material, description):
        return red_line.red_line_item_create(
            by=supervisor,
            project=project,
            side=side,
            kind=kind,
            location=location,
            distance_m=distance,
            material=material,
            description=description,
        )

    items = [add(*row) for row in RED_LINE_ITEMS]
    red_line.red_line_photo_add(
        by=supervisor,
        item=items[1],
        upload=SimpleUploadedFile("box.png", photo_png(120), content_type="image/png"),
    )
    first = red_line.disclosure_publish(by=supervisor, project=project)
    contracts = list(
        Contract.objects.filter(unit__project=project, status=Contract.Status.ACTIVE)
        .select_related("primary_buyer", "unit")
        .order_by("pk")
    )
    with progress(cmd, len(contracts), "red-line acknowledgements") as bar:
        for contract in contracts:
            signed = min(contract.signed_on or contract.subscribed_on or cmd.today, cmd.today)
            red_line.acknowledgement_record(
                by=engineer,
                contract=contract,
                disclosure=first,
                signed_by_name=contract.primary_buyer.name,
                signed_on=signed,
            )
            bar.update(1)
    # A tower planned after the sale: a second version, signed so far by the open batch's buyers only.
    add(*NEW_ITEM)
    second = red_line.disclosure_publish(by=supervisor, project=project)
    signed_again = 0
    if opened is not None and opened.project_id == project.pk:
        at_handover = Contract.objects.filter(unit__handover__batch=opened, status=Contract.Status.ACTIVE)
        for contract in at_handover.select_related("primary_buyer").order_by("pk"):
            red_line.acknowledgement_record(
                by=engineer,
                contract=contract,
                disclosure=second,
                signed_by_name=contract.primary_buyer.name,
                signed_on=cmd.today - DAY,
            )
            signed_again += 1
    cmd.created["red-line items"] += len(items) + 1
    cmd.created["red-line acknowledgements"] += len(contracts) + signed_again


# --- risk checkpoints ----------------------------------------------------------------------------------

# kind, days ago done (None: planned ahead), findings, follow-up actions (text, done?)
CHECKPOINTS = (
    ("drawing_review", 900, "地库出入口距4栋仅15米，已在销售资料中披露", ()),
    ("sales_material", 700, "楼书未标注南侧高架，已补充红线外不利因素说明", (("楼书补充高架说明", True),)),
    ("show_flat", 650, "样板房吊顶高度与交付标准不一致，已整改", (("样板房增加“交付标准以合同为准”提示", True),)),
    ("post_structure", 60, "3栋外墙渗水点两处；东侧新增规划基站需补充披露", (
        ("3栋外墙渗水点修补", True),
        ("向全部业主补充披露东侧基站并签署新版本", False),
    )),
    ("pre_handover", None, "", ()),
)  # fmt: skip


def _risk(cmd, users, project) -> None:
    if RiskCheckpoint.objects.filter(project=project).exists():
        return
    supervisor, engineer = users["supervisor"], users["engineer"]
    for kind, days_ago, findings, actions in CHECKPOINTS:
        done_on = cmd.today - days_ago * DAY if days_ago is not None else None
        checkpoint = risk.risk_checkpoint_create(
            by=supervisor,
            project=project,
            kind=kind,
            owner=engineer if kind in ("post_structure", "pre_handover") else supervisor,
            planned_on=done_on or cmd.today + 10 * DAY,
            done_on=done_on,
            findings=findings,
        )
        for text, done in actions:
            action = risk.risk_action_create(
                by=supervisor, checkpoint=checkpoint, text=text, owner=engineer, due_on=cmd.today + 7 * DAY
            )
            if done:
                risk.risk_action_update(by=supervisor, action=action, version=action.version, status="done")
        cmd.created["risk checkpoints"] += 1
    showcase = cmd.projects.get(RENOVATION_PROJECT)
    if showcase is not None and showcase.pk != project.pk:
        for kind, days_ago, findings, _actions in CHECKPOINTS[:2]:
            risk.risk_checkpoint_create(
                by=supervisor,
                project=showcase,
                kind=kind,
                owner=supervisor,
                planned_on=cmd.today - (days_ago + 2000) * DAY,
                done_on=cmd.today - (days_ago + 2000) * DAY,
                findings=findings.replace("4栋", "2栋"),
            )
            cmd.created["risk checkpoints"] += 1


# --- the four-year appointment -------------------------------------------------------------------------

# category, title, status, note
RENOVATION_ITEMS = (
    ("equipment", "2栋电梯主机老化，更换为新型号", "in_progress", "已完成招标，下月进场"),
    ("paint", "外立面涂料褪色，整体翻新", "open", ""),
    ("broadband", "小区宽带升级千兆光纤", "done", "三家运营商已完成入户改造"),
    ("landscaping", "中心花园补种乔木、更换草坪", "in_progress", "春季补种"),
    ("security", "更换人脸识别门禁与高清监控", "open", ""),
)


def _renovation(cmd, users) -> None:
    project = cmd.projects.get(RENOVATION_PROJECT)
    if project is None or RenovationItem.objects.filter(project=project).exists():
        return
    supervisor = users["supervisor"]
    if not supervisor.scope.covers(project.pk):
        return
    complaint = (
        Complaint.objects.filter(project=project)
        .filter(Q(title__contains="电梯") | Q(title__contains="门禁"))
        .first()
        or Complaint.objects.filter(project=project).order_by("pk").first()
    )
    answer = Answer.objects.filter(project=project).exclude(text="").order_by("pk").first()
    for index, (category, title, status, note) in enumerate(RENOVATION_ITEMS):
        source = {"complaint": complaint} if index == 0 and complaint else {}
        if index == 4 and answer is not None:
            source = {"survey_answer": answer}
        item = renovation.renovation_item_create(
            by=supervisor,
            project=project,
            category=category,
            title=title,
            owner=supervisor,
            due_on=cmd.today + (30 + 30 * index) * DAY,
            **source,
        )
        if status != "open":
            renovation.renovation_item_update(
                by=supervisor, item=item, version=item.version, status=status, note=note
            )
        cmd.created["renovation items"] += 1
    renovation.representative_link_create(by=supervisor, project=project, label="四季花城业主委员会")


# --- construction news ---------------------------------------------------------------------------------


def _news(cmd, users, planned) -> None:
    """The phase being handed over: its structure topped out (sent), its fit-out (a draft to send)."""
    project, phase = planned.project, planned.phase
    if ConstructionNews.objects.filter(project=project).exists():
        return
    supervisor = users["supervisor"]
    if not supervisor.scope.covers(project.pk):
        return
    audience = f"{project.name}{phase.name}" if phase else project.name
    topped = news.news_create(
        by=supervisor,
        project=project,
        phase=phase,
        title=f"{audience}主体结构全部封顶",
        text=(
            "各位业主：本期各楼栋主体结构已全部封顶，外立面与园林施工同步展开。"
            "交付前我们将举办工地开放日，届时邀请您到现场参观。"
        ),
        progress_on=cmd.today - 40 * DAY,
        photos=[SimpleUploadedFile("site.png", photo_png(150), content_type="image/png")],
    )
    topped = news.news_send(by=supervisor, news=topped, version=topped.version)
    # The job, in-process and back then (the task started on commit then finds it sent): the progress
    # letters due around that day are done; those coming up now wait for the draft below.
    at = timezone.now() - 39 * DAY
    news.news_select(topped.pk, now=at)
    while news.news_send_batch(topped.pk, now=at):
        pass
    news.news_send_finish(topped.pk, now=at)
    news.news_create(
        by=supervisor,
        project=project,
        phase=phase,
        title=f"{audience}精装修进度：样板段验收完成",
        text="精装修样板段已通过验收，各楼栋精装修施工进度约七成，预计按期交付。",
        progress_on=cmd.today - 2 * DAY,
        photos=[SimpleUploadedFile("fitout.png", photo_png(200), content_type="image/png")],
    )
    cmd.created["construction news"] += 2
    cmd.created["construction news deliveries"] += ConstructionNews.objects.get(pk=topped.pk).send_done


def lifecycle_summary(cmd) -> str | None:
    """The summary's line: where to look first."""
    agent = User.objects.filter(username="agent").first()
    if agent is None:
        return None
    due_today = Touchpoint.objects.filter(assignee=agent, due_on=cmd.today).pending().count()
    blocked = HandoverBatch.objects.filter(status=HandoverBatch.Status.PLANNING).order_by("pk").first()
    parts = [f"6+2: {due_today} touchpoints due today for agent on /lifecycle/touchpoints/"]
    if blocked is not None:
        parts.append(
            f"the batch {blocked.name} waits for its buyers to sign the red line's new version "
            f"(/lifecycle/projects/{blocked.project_id}/risk/)"
        )
        parts.append(
            f"construction news on /lifecycle/projects/{blocked.project_id}/news/ (one draft to send)"
        )
    return "; ".join(parts)
