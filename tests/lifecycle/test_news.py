"""施工进度: writing construction news (scope, roles, versions, photos) and sending it to exactly the
phase's buyers in batches, idempotently, with the quarter's progress letter done and the news on
each recipient's timeline."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import OutboxMessage
from customers.services import ConcurrentEditError
from lifecycle.models import ConstructionNews, NewsDelivery, Touchpoint
from lifecycle.schedule import quarter_occurrence
from lifecycle.services import news as services
from lifecycle.timeline import customer_timeline
from tests.factories import photo_upload
from tests.lifecycle.factories import TouchpointFactory, plan

pytestmark = pytest.mark.django_db


def _sending(news, by):
    """The draft sent (the job itself is run by each test)."""
    return services.news_send(by=by, news=news, version=news.version)


def _news_messages():
    return OutboxMessage.objects.filter(kind="construction_news")


# --- writing --------------------------------------------------------------------------------------------


def test_only_writers_in_scope_write_news(supervisor, agent, other_project, project, estate):
    from accounts.models import Role
    from tests.factories import UserFactory

    elsewhere = UserFactory(role=Role.CS_SUPERVISOR, projects=[other_project])
    fields = {"title": "地下室施工", "text": "地下室底板浇筑完成。", "progress_on": timezone.localdate()}
    with pytest.raises(PermissionDenied):
        services.news_create(by=agent, project=project, **fields)  # agents read, do not write
    with pytest.raises(PermissionDenied):
        services.news_create(by=elsewhere, project=project, **fields)  # not their project
    news = services.news_create(by=supervisor, project=project, phase=estate.phase_two, **fields)
    assert (news.status, news.created_by, news.audience) == ("draft", supervisor, "四季花城二期")


def test_bad_drafts_are_refused_with_field_messages(supervisor, project, other_project):
    from tests.factories import PhaseFactory

    foreign_phase = PhaseFactory(project=other_project)
    with pytest.raises(ValidationError) as error:
        services.news_create(
            by=supervisor,
            project=project,
            phase=foreign_phase,
            title=" ",
            text="",
            progress_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert set(error.value.message_dict) == {"title", "text", "progress_on", "phase"}


def test_editing_checks_the_version_and_a_sent_news_is_frozen(supervisor, news_draft):
    edited = services.news_update(by=supervisor, news=news_draft, version=1, title="3栋封顶啦")
    assert (edited.title, edited.version) == ("3栋封顶啦", 2)
    with pytest.raises(ConcurrentEditError):
        services.news_update(by=supervisor, news=news_draft, version=1, title="旧页面")
    _sending(edited, supervisor)
    with pytest.raises(ValidationError):
        services.news_update(by=supervisor, news=edited, version=3, title="改不了")
    with pytest.raises(ValidationError):
        _sending(ConstructionNews.objects.get(pk=edited.pk), supervisor)  # a second click


def test_photos_are_checked_images_and_limited(supervisor, news_draft):
    services.news_update(by=supervisor, news=news_draft, version=1, photos=[photo_upload()])
    photo = news_draft.photos.get()
    assert photo.image.name.startswith("construction_news/") and photo.image.name.endswith(".jpg")
    page = SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg")
    with pytest.raises(ValidationError) as error:
        services.news_update(by=supervisor, news=news_draft, version=2, photos=[page])
    assert "photos" in error.value.message_dict
    too_many = [photo_upload() for _ in range(services.MAX_PHOTOS)]
    with pytest.raises(ValidationError):
        services.news_update(by=supervisor, news=news_draft, version=2, photos=too_many)
    assert news_draft.photos.count() == 1


# --- sending --------------------------------------------------------------------------------------------


def test_the_recipients_are_exactly_the_phases_buyers_each_once(supervisor, news_draft, estate, project):
    ids = set(services.news_recipient_ids(project_id=project.pk, phase_id=estate.phase_one.pk))
    assert ids == {c.pk for c in estate.buyers_one}
    whole = set(services.news_recipient_ids(project_id=project.pk, phase_id=None))
    assert whole == ids | {estate.buyer_two.pk}  # the whole project: not the outsider, not the cancelled

    _sending(news_draft, supervisor)
    assert services.news_send_run(news_draft.pk)
    deliveries = NewsDelivery.objects.filter(news=news_draft)
    assert sorted(d.customer_id for d in deliveries) == sorted(c.pk for c in estate.buyers_one)
    assert deliveries.get(customer=estate.unreachable).status == "unreachable"
    assert deliveries.filter(status="sent").count() == 3
    news = ConstructionNews.objects.get(pk=news_draft.pk)
    assert (news.status, news.send_total, news.send_done) == ("sent", 4, 4)
    assert news.send_finished_at is not None


def test_the_messages_go_on_each_buyers_channel_with_the_template_parameters(
    supervisor, news_draft, estate, owner
):
    _sending(news_draft, supervisor)
    services.news_send_run(news_draft.pk)
    messages = {m.idempotency_key: m for m in _news_messages()}
    assert set(messages) == {
        f"construction-news.{news_draft.pk}.{c.pk}" for c in estate.buyers_one if c != estate.unreachable
    }
    sms = messages[f"construction-news.{news_draft.pk}.{owner.pk}"]
    assert (sms.channel, sms.recipient, sms.template_code) == ("sms", "13812345678", "construction_news")
    assert sms.template_params["project"] == "四季花城一期"
    assert sms.template_params["title"] == "3栋主体结构封顶" and sms.template_params["name"] == "张伟"
    email = next(m for m in messages.values() if m.channel == "email")
    assert email.recipient == "wanglei@example.com" and "外立面施工即将开始" in email.body
    assert "3栋主体结构封顶" in email.subject


def test_batches_commit_one_by_one_and_a_rerun_sends_nobody_twice(supervisor, news_draft, estate):
    _sending(news_draft, supervisor)
    assert services.news_select(news_draft.pk) == 4
    assert services.news_select(news_draft.pk) == 4  # selecting again adds nobody
    assert services.news_send_batch(news_draft.pk, size=2) == 2
    news = ConstructionNews.objects.get(pk=news_draft.pk)
    assert (news.status, news.send_done) == ("sending", 2)  # the progress bar's figures
    assert not services.news_send_finish(news_draft.pk)
    first = set(_news_messages().values_list("idempotency_key", flat=True))

    # The worker died here; the restarted job sends the rest, and only the rest.
    assert services.news_send_run(news_draft.pk)
    keys = list(_news_messages().values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys)) == 3 and first < set(keys)

    # Run again (a redelivered task): nothing new.
    assert services.news_send_run(news_draft.pk)
    assert services.news_send_batch(news_draft.pk) == 0
    assert _news_messages().count() == 3
    assert NewsDelivery.objects.filter(news=news_draft).count() == 4


def test_a_news_with_no_buyers_is_sent_to_nobody(supervisor, project):
    from tests.factories import PhaseFactory

    empty = services.news_create(
        by=supervisor,
        project=project,
        phase=PhaseFactory(project=project, name="三期"),
        title="三期开工",
        text="三期桩基施工开始。",
        progress_on=timezone.localdate(),
    )
    _sending(empty, supervisor)
    assert services.news_send_run(empty.pk)
    assert ConstructionNews.objects.get(pk=empty.pk).status == "sent"
    assert not _news_messages().exists()


def test_the_send_button_starts_the_job_on_commit(
    supervisor, news_draft, estate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _sending(news_draft, supervisor)
    assert ConstructionNews.objects.get(pk=news_draft.pk).status == "sent"  # the eager task ran


def test_a_stalled_send_is_restarted_by_the_sweep(supervisor, news_draft, estate):
    from lifecycle.tasks import restart_stalled_news_sends

    _sending(news_draft, supervisor)
    assert services.stalled_news_ids() == []
    later = timezone.now() + datetime.timedelta(minutes=11)
    assert services.stalled_news_ids(now=later) == [news_draft.pk]
    ConstructionNews.objects.filter(pk=news_draft.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    assert restart_stalled_news_sends() == 1
    assert ConstructionNews.objects.get(pk=news_draft.pk).status == "sent"


# --- the progress letter and the timeline --------------------------------------------------------------


def test_the_send_completes_the_progress_letter_due_around_it(supervisor, news_draft, estate, owned_unit):
    today = timezone.localdate()
    letter = plan("progress_letter")
    contract = owned_unit.contracts.get()
    soon = today + datetime.timedelta(days=services.PROGRESS_LETTER_DAYS)
    mine = TouchpointFactory(plan=letter, contract=contract, occurrence=quarter_occurrence(soon), due_on=soon)
    too_old = today - datetime.timedelta(days=services.PROGRESS_LETTER_DAYS + 1)
    last_quarter = TouchpointFactory(
        plan=letter, contract=contract, occurrence=quarter_occurrence(too_old), due_on=too_old
    )
    other_phase = TouchpointFactory(
        plan=letter,
        contract=estate.buyer_two.contracts_as_buyer.get(),
        occurrence=quarter_occurrence(today),
        due_on=today,
    )
    welcome = TouchpointFactory(contract=contract)  # another plan
    _sending(news_draft, supervisor)
    services.news_send_run(news_draft.pk)

    mine.refresh_from_db()
    assert (mine.status, mine.done_by, mine.next_check_at, mine.version) == ("done", supervisor, None, 2)
    assert "3栋主体结构封顶" in mine.outcome_note
    for untouched in (last_quarter, other_phase, welcome):
        untouched.refresh_from_db()
        assert untouched.status == Touchpoint.Status.OPEN


def test_the_news_shows_on_each_recipients_timeline_only(supervisor, agent, other_agent, news_draft, estate):
    _sending(news_draft, supervisor)
    services.news_send_run(news_draft.pk)
    for buyer in estate.buyers_one:
        entries = customer_timeline(buyer, user=agent, kinds=["construction_news"]).entries
        if buyer == estate.unreachable:
            assert entries == []  # nothing reached them
            continue
        (entry,) = entries
        assert "3栋主体结构封顶" in entry.title and "外立面" in entry.detail
        assert entry.url == f"/lifecycle/projects/{news_draft.project_id}/news/{news_draft.pk}/"
    assert customer_timeline(estate.buyer_two, user=agent, kinds=["construction_news"]).entries == []
    # Someone outside the project sees the title without the link (their scope does not hold the news).
    (entry,) = customer_timeline(estate.buyers_one[0], user=other_agent, kinds=["construction_news"]).entries
    assert entry.url is None and entry.detail == ""


def test_the_timeline_pages_through_many_news_by_time(supervisor, agent, project, estate, owner):
    for n in range(3):
        news = services.news_create(
            by=supervisor, project=project, title=f"进度{n}", text="正文", progress_on=timezone.localdate()
        )
        _sending(news, supervisor)
        services.news_send_run(news.pk)
    page = customer_timeline(owner, user=agent, kinds=["construction_news"], limit=2)
    assert [e.title.split(":")[-1].split("(")[0].strip() for e in page.entries] == ["进度2", "进度1"]
    assert page.next_cursor
