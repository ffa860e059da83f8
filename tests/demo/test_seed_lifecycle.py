"""The demo's 6+2 lifecycle: what seed_demo leaves in it, made through lifecycle's services.

The small demo is seeded ONCE for the module (twice, to check that the second run adds nothing),
inside a transaction rolled back at the end; each test then runs in its own savepoint.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from delivery.batch_checks import batch_checks
from delivery.models import HandoverBatch
from lifecycle.models import (
    Acknowledgement,
    Commitment,
    ConstructionNews,
    Disclosure,
    NewsDelivery,
    RedLineItem,
    RenovationItem,
    RepresentativeLink,
    RiskAction,
    RiskCheckpoint,
    Touchpoint,
)
from lifecycle.selectors import my_touchpoints
from lifecycle.timeline import customer_timeline

pytestmark = pytest.mark.django_db

MODELS = (
    Touchpoint, Commitment, RedLineItem, Disclosure, Acknowledgement, RiskCheckpoint, RiskAction,
    RenovationItem, RepresentativeLink, ConstructionNews, NewsDelivery,
)  # fmt: skip


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", units=60, customers=80, complaints=60, verbosity=0, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    settings = {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "SMS_PROVIDER": "core.outbox.providers.LocmemSmsProvider",
        "WECHAT_PROVIDER": "core.outbox.providers.LocmemWechatProvider",
        "LANGUAGE_CODE": "en",
        "SITE_URL": "http://127.0.0.1:8000",
    }
    from django.core.cache import cache

    from complaints.selectors import forget_reference_data

    cache.clear()
    forget_reference_data()
    with django_db_blocker.unblock(), override_settings(**settings), transaction.atomic():
        output = _seed()
        first = _counts()
        again = _seed()
        yield {"output": output, "first": first, "second": _counts(), "again": again}
        transaction.set_rollback(True)


def test_a_second_run_adds_nothing_to_the_lifecycle(seeded):
    assert seeded["second"] == seeded["first"]
    assert all(seeded["first"].values()), seeded["first"]
    assert "Created now: nothing" in seeded["again"]


def test_touchpoints_are_generated_and_some_are_due_today_for_the_demo_agent(seeded):
    agent = User.objects.get(username="agent")
    today = timezone.localdate()
    mine = list(my_touchpoints(user=agent, when="today"))
    assert mine and all(t.due_on == today and t.assignee_id == agent.pk for t in mine)
    assert Touchpoint.objects.filter(assignee__isnull=True).exists()  # generated for the other owners
    assert Touchpoint.objects.filter(done_at__isnull=False, done_by=agent).exists()  # one worked
    assert "touchpoints due today for agent" in seeded["output"]


def test_commitments_are_kept_and_open(seeded):
    statuses = set(Commitment.objects.values_list("status", flat=True))
    assert {Commitment.Status.FULFILLED, Commitment.Status.OPEN} <= statuses
    for kept in Commitment.objects.exclude(status=Commitment.Status.OPEN):
        assert kept.contract.handed_over_on is not None and kept.settled_by is not None
    planned = HandoverBatch.objects.get(status=HandoverBatch.Status.PLANNING)
    dated = Commitment.objects.filter(contract__unit__handover__batch=planned, department__gt="")
    assert dated.exists() and all(c.status == Commitment.Status.OPEN for c in dated)


def test_an_undisclosed_material_red_line_item_blocks_the_planned_batch_only(seeded):
    planned = HandoverBatch.objects.get(status=HandoverBatch.Status.PLANNING)
    opened = HandoverBatch.objects.get(status=HandoverBatch.Status.OPEN)
    latest = Disclosure.objects.filter(project=planned.project).order_by("-number").first()
    assert latest.number == 2
    added = RedLineItem.objects.get(project=planned.project, kind="base_station")
    assert (
        added.material
        and not Disclosure.objects.get(project=planned.project, number=1).items.filter(pk=added.pk).exists()
    )
    # The open batch's buyers signed the new version; the planned batch's did not.
    open_buyers = Acknowledgement.objects.filter(disclosure=latest).values_list("contract_id", flat=True)
    assert (
        set(open_buyers)
        and not Acknowledgement.objects.filter(
            disclosure=latest, contract__unit__handover__batch=planned
        ).exists()
    )
    assert opened.project_id == planned.project_id
    # The planned batch's only blocker (its readiness checklist aside) is the red line.
    (blocker,) = [check for check in batch_checks(planned) if check.blocker]
    assert "red-line" in blocker.message
    assert not [check for check in batch_checks(opened) if check.blocker]


def test_risk_checkpoints_and_four_year_items_are_in_every_state(seeded):
    checkpoints = RiskCheckpoint.objects.all()
    assert checkpoints.filter(done_on__isnull=False).exists()
    assert checkpoints.filter(done_on__isnull=True, planned_on__gt=timezone.localdate()).exists()
    assert {RiskAction.Status.OPEN, RiskAction.Status.DONE} <= set(
        RiskAction.objects.values_list("status", flat=True)
    )
    assert set(RenovationItem.objects.values_list("status", flat=True)) == set(RenovationItem.Status.values)
    assert RenovationItem.objects.filter(source=RenovationItem.Source.COMPLAINT).exists()
    assert RepresentativeLink.objects.filter(revoked_at__isnull=True).exists()


def test_construction_news_one_sent_to_its_phase_and_one_draft(seeded):
    sent = ConstructionNews.objects.get(status=ConstructionNews.Status.SENT)
    draft = ConstructionNews.objects.get(status=ConstructionNews.Status.DRAFT)
    assert sent.phase_id and draft.phase_id == sent.phase_id and sent.photos.exists()
    deliveries = NewsDelivery.objects.filter(news=sent)
    assert deliveries.exists() and sent.send_done == sent.send_total == deliveries.count()
    buyer = deliveries.filter(status=NewsDelivery.Status.SENT).first().customer
    assert buyer.contracts_as_buyer.filter(unit__building__phase=sent.phase).exists()
    agent = User.objects.get(username="agent")
    kinds = [e.kind for e in customer_timeline(buyer, user=agent, kinds=["construction_news"]).entries]
    assert kinds == ["construction_news"]
