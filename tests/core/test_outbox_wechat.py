"""WeChat template messages (core.outbox.wechat): the shared access token, the request, the errcodes.

The answers are WeChat's, as the official account's API documents them, replayed by `responses`.
"""

import datetime
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
import time_machine
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core.models import OutboxMessage
from core.outbox import (
    OutgoingMessage,
    PermanentSendError,
    TemporarySendError,
    messages_enqueue,
    outbox_drain,
)
from core.outbox.providers import providers_check
from core.outbox.wechat import WechatTemplateProvider, client_msg_id

TOKEN_URL = "https://api.weixin.qq.com/cgi-bin/token"
SEND_URL = "https://api.weixin.qq.com/cgi-bin/message/template/send"
OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
APP_ID, APP_SECRET = "wx1234567890abcdef", "app-secret-0123456789abcdef012345"
NOW = datetime.datetime(2026, 12, 1, 1, 30, tzinfo=datetime.UTC)
TEMPLATES = {
    "handover_booking_link": {
        "id": "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
        "data": {"thing1": "{project}{unit}", "thing2": "{name}", "thing3": "请选择您方便的交房时间"},
        "url": "{link}",
    },
}


def token(value="ACCESS_TOKEN_1", expires_in=7200):
    return {"access_token": value, "expires_in": expires_in}


def answer(errcode=0, errmsg="ok", **more):
    return {"errcode": errcode, "errmsg": errmsg, **more}


SENT = answer(msgid=200228332)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def wechat(settings, clock):
    settings.WECHAT_PROVIDER = "core.outbox.wechat.WechatTemplateProvider"
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = APP_ID, APP_SECRET
    settings.WECHAT_TEMPLATES = TEMPLATES
    with responses.RequestsMock() as gateway:
        yield gateway


def booking_link(key="k-1", **changes) -> OutboxMessage:
    fields = {
        "channel": "wechat",
        "recipient": OPENID,
        "kind": "handover_booking_link",
        "idempotency_key": key,
        "body": "张伟您好，您的新家滨江花园 3-1-502 已可交付，请在此选择交房时间：https://crm.example.com/handover/book/t/",
        "template_code": "handover_booking_link",
        "template_params": {
            "name": "张伟",
            "project": "滨江花园",
            "unit": "3-1-502",
            "link": "https://crm.example.com/handover/book/t/",
        },
        **changes,
    }
    return OutboxMessage(**fields)


def send(*messages):
    """Send in one batch; each message's provider id or the error it raised."""
    provider = WechatTemplateProvider()
    provider.open()
    outcomes = []
    try:
        for message in messages:
            try:
                outcomes.append(provider.send(message))
            except Exception as error:
                outcomes.append(error)
    finally:
        provider.close()
    return outcomes if len(outcomes) > 1 else outcomes[0]


def query(call) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


# --- the request --------------------------------------------------------------------------------------------


def test_a_template_message_is_posted_with_the_mapped_keywords_the_link_and_a_dedup_id(wechat):
    wechat.get(TOKEN_URL, json=token())
    wechat.post(SEND_URL, json=SENT)

    assert send(booking_link()) == "200228332"

    token_call, send_call = wechat.calls
    assert query(token_call) == {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET}
    assert query(send_call) == {"access_token": "ACCESS_TOKEN_1"}
    assert json.loads(send_call.request.body) == {
        "touser": OPENID,
        "template_id": "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
        "client_msg_id": client_msg_id("k-1"),
        "url": "https://crm.example.com/handover/book/t/",
        "data": {
            "thing1": {"value": "滨江花园3-1-502"},
            "thing2": {"value": "张伟"},
            "thing3": {"value": "请选择您方便的交房时间"},
        },
    }


def test_the_dedup_id_is_the_same_on_every_try_and_short():
    assert client_msg_id("handover-booking-link.12.202612010930") == client_msg_id(
        "handover-booking-link.12.202612010930"
    )
    assert client_msg_id("a") != client_msg_id("b") and len(client_msg_id("x" * 200)) == 32


# --- the access token ---------------------------------------------------------------------------------------


def test_the_token_is_fetched_once_and_shared_until_shortly_before_it_expires(wechat, clock):
    wechat.get(TOKEN_URL, json=token("T1"))
    wechat.post(SEND_URL, json=SENT)
    send(booking_link("k-1"))
    send(booking_link("k-2"))  # another batch (another worker): the cached token
    assert [c.request.method for c in wechat.calls] == ["GET", "POST", "POST"]

    clock.shift(datetime.timedelta(seconds=7200 - 300 + 1))  # WeChat's 7200 s, less the margin
    wechat.get(TOKEN_URL, json=token("T2"))
    send(booking_link("k-3"))
    assert [c.request.method for c in wechat.calls][3:] == ["GET", "POST"]
    assert query(wechat.calls[-1])["access_token"] == "T2"


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_a_refused_token_is_replaced_and_the_message_posted_once_more(wechat, errcode):
    cache.set(f"wechat-access-token:{APP_ID}", "OLD")
    wechat.post(SEND_URL, json=answer(errcode, "access_token expired"))
    wechat.get(TOKEN_URL, json=token("NEW"))
    wechat.post(SEND_URL, json=SENT)

    assert send(booking_link()) == "200228332"

    assert [query(c).get("access_token") for c in wechat.calls] == ["OLD", None, "NEW"]
    assert cache.get(f"wechat-access-token:{APP_ID}") == "NEW"  # for every other worker too


def test_a_token_another_worker_replaced_already_is_not_fetched_again(wechat):
    cache.set(f"wechat-access-token:{APP_ID}", "OLD")
    refused = answer(40001, "invalid credential")

    def refused_while_another_worker_refreshes(request):
        cache.set(f"wechat-access-token:{APP_ID}", "FRESH")  # meanwhile, elsewhere
        return 200, {}, json.dumps(refused)

    wechat.add_callback(responses.POST, SEND_URL, callback=refused_while_another_worker_refreshes)
    wechat.post(SEND_URL, json=SENT)

    assert send(booking_link()) == "200228332"
    assert [query(c)["access_token"] for c in wechat.calls] == ["OLD", "FRESH"]  # no GET /token


def test_a_wrong_app_secret_fails_the_batch_for_good_with_one_request(wechat):
    wechat.get(TOKEN_URL, json=answer(40125, "invalid appsecret"))

    first, second = send(booking_link("k-1"), booking_link("k-2"))

    assert isinstance(first, PermanentSendError) and "40125" in str(first)
    assert isinstance(second, PermanentSendError) and "not tried" in str(second)
    assert len(wechat.calls) == 1


# --- the answers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("errcode", "errmsg", "expected"),
    [
        (43004, "require subscribe hint: [xxx]", PermanentSendError),  # unfollowed the account
        (40003, "invalid openid hint: [xxx]", PermanentSendError),
        (40037, "invalid template_id hint: [xxx]", PermanentSendError),
        (-1, "system error", TemporarySendError),
        (45009, "reach max api daily quota limit", TemporarySendError),
        (99999, "something new", TemporarySendError),  # unknown: retried, failed after the last attempt
    ],
)
def test_wechats_errcodes_are_temporary_or_permanent(wechat, errcode, errmsg, expected):
    wechat.get(TOKEN_URL, json=token())
    wechat.post(SEND_URL, json=answer(errcode, errmsg))
    outcome = send(booking_link())
    assert type(outcome) is expected and str(errcode) in str(outcome) and errmsg in str(outcome)


def test_an_unreachable_wechat_is_temporary_the_batch_waits_and_no_secret_is_in_the_error(wechat):
    wechat.get(
        TOKEN_URL,
        body=requests.ConnectionError(f"Max retries exceeded with url: /cgi-bin/token?secret={APP_SECRET}"),
    )
    first, second = send(booking_link("k-1"), booking_link("k-2"))
    assert isinstance(first, TemporarySendError) and "unreachable" in str(first)
    assert APP_SECRET not in str(first)
    assert isinstance(second, TemporarySendError) and "not tried" in str(second)
    assert len(wechat.calls) == 1


def test_a_server_error_is_temporary(wechat):
    wechat.get(TOKEN_URL, json=token())
    wechat.post(SEND_URL, body="<html>502</html>", status=502)
    assert isinstance(send(booking_link()), TemporarySendError)


def test_a_message_without_a_mapped_template_is_refused_for_good_before_any_request(wechat):
    outcome = send(booking_link(kind="notice", template_code="notice"))
    assert isinstance(outcome, PermanentSendError) and "WECHAT_TEMPLATES" in str(outcome)
    assert not wechat.calls


# --- through the outbox ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_through_the_outbox_the_row_records_wechats_msgid(wechat):
    now = timezone.now()
    message = booking_link("drain-1")
    messages_enqueue(
        [
            OutgoingMessage(
                channel="wechat",
                recipient=OPENID,
                kind=message.kind,
                idempotency_key="drain-1",
                body=message.body,
                template_code=message.template_code,
                template_params=message.template_params,
            )
        ],
        now=now,
    )
    wechat.get(TOKEN_URL, json=token())
    wechat.post(SEND_URL, json=SENT)
    assert outbox_drain(channel="wechat", now=now).sent == 1
    row = OutboxMessage.objects.get()
    assert (row.status, row.provider_message_id) == ("sent", "200228332")


# --- settings -------------------------------------------------------------------------------------------


def test_choosing_wechat_without_the_accounts_keys_stops_the_start(settings):
    settings.WECHAT_PROVIDER = "core.outbox.wechat.WechatTemplateProvider"
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = APP_ID, ""
    with pytest.raises(ImproperlyConfigured, match="set WECHAT_APP_SECRET"):
        providers_check()


@pytest.mark.parametrize(
    ("templates", "words"),
    [
        ({"k": {"id": "t"}}, 'needs "data"'),
        ({"k": {"id": "t", "data": ["{name}"]}}, "must be a JSON object"),
        ({"k": {"id": "t", "data": {"thing1": 5}}}, "must be a text"),
        ({"k": {"id": "t", "data": {}, "url": ["{link}"]}}, "must be a JSON string"),
    ],
)
def test_a_malformed_wechat_mapping_stops_the_start(wechat, settings, templates, words):
    settings.WECHAT_TEMPLATES = templates
    with pytest.raises(ImproperlyConfigured, match=words):
        providers_check()
