"""Tencent Cloud SMS (core.outbox.tencent_sms): the request Tencent would accept, its answers mapped.

The answers are Tencent's, as its API documents them (SendSms 2021-01-11, the error code lists),
replayed by `responses`; the requests' TC3-HMAC-SHA256 signatures are checked the way Tencent's
server checks them, by a verifier that first reproduces the documentation's worked example.
"""

import datetime
import hashlib
import hmac
import json

import pytest
import requests
import responses
import time_machine
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
from core.outbox.tencent_sms import TencentSmsProvider, e164, refusal

URL = "https://sms.tencentcloudapi.com/"
SECRET_ID, SECRET_KEY = "AKIDtestSecretId0000000000000000000", "testSecretKey00000000000000000000"
SENT_AT = datetime.datetime(2026, 12, 1, 1, 30, tzinfo=datetime.UTC)
TEMPLATES = {
    "handover_reminder": {"id": "1900001", "params": ["{name}", "{project}{unit}", "{date} {window}"]},
    "public_code": {"id": "1900002", "params": ["{code}", "{minutes}"]},
}

# --- Tencent's answers --------------------------------------------------------------------------------------


def sent(serial="5000:1045710669157053657849499619", key="k-1"):
    return {
        "Response": {
            "SendStatusSet": [
                {
                    "SerialNo": serial,
                    "PhoneNumber": "+8613812345678",
                    "Fee": 1,
                    "SessionContext": key,
                    "Code": "Ok",
                    "Message": "send success",
                    "IsoCode": "CN",
                }
            ],
            "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279",
        }
    }


def refused_number(code, message):
    """The request was fine; this number's message was refused (SendStatusSet's Code)."""
    answer = sent()
    answer["Response"]["SendStatusSet"][0].update(SerialNo="", Fee=0, Code=code, Message=message)
    return answer


def error(code, message):
    """The whole request was refused (Response.Error)."""
    return {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "ed93f3cb-f35e-473f-b9f3"}}


THROTTLED = refused_number(
    "LimitExceeded.PhoneNumberThirtySecondLimit", "单个手机号30秒内下发短信条数超过设定的上限"
)
RATE_LIMITED = error("RequestLimitExceeded", "请求的次数超过了频率限制。")
INVALID_NUMBER = refused_number("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误")
TEMPLATE_REFUSED = error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配")
AUTH_FAILURE = error(
    "AuthFailure.SignatureFailure",
    "The provided credentials could not be validated. Please check your signature is correct.",
)


# --- a verifier of TC3-HMAC-SHA256 signatures, as Tencent's server checks them --------------------------------


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def canonical_request(*, host: str, content_type: str, payload: bytes) -> str:
    return "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload).hexdigest(),
        ]
    )


def tc3_signature(*, secret_key: str, timestamp: int, service: str, canonical: str) -> str:
    date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
    string_to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(timestamp),
            f"{date}/{service}/tc3_request",
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def test_the_verifier_reproduces_the_documentations_worked_example():
    # Tencent Cloud API 3.0, "签名方法 v3": DescribeInstances on CVM, with its example keys.
    canonical = canonical_request(
        host="cvm.tencentcloudapi.com",
        content_type="application/json; charset=utf-8",
        payload=b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
    )
    assert (
        hashlib.sha256(canonical.encode()).hexdigest()
        == "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )
    signature = tc3_signature(
        secret_key="Gu5t9xGARNpq86cd98joQYCN3*******",
        timestamp=1551113065,
        service="cvm",
        canonical=canonical,
    )
    assert signature == "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"


# --- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture
def tencent(settings):
    settings.SMS_PROVIDER = "core.outbox.tencent_sms.TencentSmsProvider"
    settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY = SECRET_ID, SECRET_KEY
    settings.SMS_TENCENT_SDK_APP_ID = "1400006666"
    settings.SMS_TENCENT_REGION = "ap-guangzhou"
    settings.SMS_SIGN_NAME = "滨江地产"
    settings.SMS_TEMPLATES = TEMPLATES
    with responses.RequestsMock() as gateway, time_machine.travel(SENT_AT, tick=False):
        yield gateway


def reminder(key="k-1", phone="13812345678", **changes) -> OutboxMessage:
    fields = {
        "channel": "sms",
        "recipient": phone,
        "kind": "handover_reminder",
        "idempotency_key": key,
        "body": "张伟您好：您预约的交房时间为 2026-12-02 09:00-10:00 …",
        "template_code": "handover_reminder",
        "template_params": {
            "name": "张伟",
            "project": "滨江花园",
            "unit": "3-1-502",
            "date": "2026-12-02",
            "window": "09:00-10:00",
        },
        **changes,
    }
    return OutboxMessage(**fields)


def send(message):
    provider = TencentSmsProvider()
    provider.open()
    try:
        return provider.send(message)
    finally:
        provider.close()


# --- the request ------------------------------------------------------------------------------------------


def test_an_accepted_message_returns_its_serial_number_from_a_request_signed_as_tencent_checks(tencent):
    tencent.post(URL, json=sent())

    assert send(reminder()) == "5000:1045710669157053657849499619"

    (call,) = tencent.calls
    request = call.request
    body = request.body if isinstance(request.body, bytes) else request.body.encode()
    assert json.loads(body) == {
        "PhoneNumberSet": ["+8613812345678"],
        "SmsSdkAppId": "1400006666",
        "SignName": "滨江地产",
        "TemplateId": "1900001",
        "TemplateParamSet": ["张伟", "滨江花园3-1-502", "2026-12-02 09:00-10:00"],  # in the template's order
        "SessionContext": "k-1",  # the idempotency key, kept by Tencent with the message
    }
    headers = request.headers
    timestamp = int(SENT_AT.timestamp())
    assert (headers["X-TC-Action"], headers["X-TC-Version"], headers["X-TC-Region"]) == (
        "SendSms",
        "2021-01-11",
        "ap-guangzhou",
    )
    assert headers["X-TC-Timestamp"] == str(timestamp)
    assert (headers["Host"], headers["Content-Type"]) == ("sms.tencentcloudapi.com", "application/json")
    canonical = canonical_request(
        host="sms.tencentcloudapi.com", content_type="application/json", payload=body
    )
    signature = tc3_signature(secret_key=SECRET_KEY, timestamp=timestamp, service="sms", canonical=canonical)
    assert headers["Authorization"] == (
        f"TC3-HMAC-SHA256 Credential={SECRET_ID}/2026-12-01/sms/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


def test_a_mainland_mobile_is_written_as_tencent_asks():
    assert e164("13812345678") == "+8613812345678"
    assert e164("+85291234567") == "+85291234567"


# --- the answers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "status", "expected", "words"),
    [
        (THROTTLED, 200, TemporarySendError, "LimitExceeded.PhoneNumberThirtySecondLimit"),
        (RATE_LIMITED, 200, TemporarySendError, "RequestLimitExceeded"),
        (
            error("InternalError.Timeout", "请求下发短信超时"),
            200,
            TemporarySendError,
            "InternalError.Timeout",
        ),
        ({"message": "bad gateway"}, 502, TemporarySendError, "ServerNetworkError"),
        (INVALID_NUMBER, 200, PermanentSendError, "IncorrectPhoneNumber"),
        (
            error("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误"),
            200,
            PermanentSendError,
            "手机号",
        ),
        (TEMPLATE_REFUSED, 200, PermanentSendError, "TemplateIncorrectOrUnapproved"),
        (
            error("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批"),
            200,
            PermanentSendError,
            "签名",
        ),
        (AUTH_FAILURE, 200, PermanentSendError, "AuthFailure.SignatureFailure"),
    ],
)
def test_tencents_answers_are_temporary_or_permanent(tencent, answer, status, expected, words):
    tencent.post(URL, json=answer, status=status)
    with pytest.raises(expected, match=words) as raised:
        send(reminder())
    assert type(raised.value) is expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("FailedOperation.InsufficientBalanceInSmsPackage", TemporarySendError),  # until topped up
        ("FailedOperation.PhoneNumberInBlacklist", PermanentSendError),  # the owner opted out
        ("InternalError.SigVerificationFail", PermanentSendError),  # a signature, despite its family
        ("LimitExceeded.PhoneNumberDailyLimit", TemporarySendError),
        ("SomethingNew.NeverSeen", TemporarySendError),  # unknown: retried, failed after the last attempt
    ],
)
def test_the_most_specific_error_family_decides(code, expected):
    assert type(refusal(code, "")) is expected


def test_an_unreachable_gateway_is_temporary_and_the_rest_of_the_batch_waits(tencent):
    tencent.post(URL, body=requests.ConnectionError("connection refused"))
    provider = TencentSmsProvider()
    provider.open()
    with pytest.raises(TemporarySendError, match="ClientNetworkError"):
        provider.send(reminder("k-1"))
    with pytest.raises(TemporarySendError, match="not tried"):
        provider.send(reminder("k-2"))
    assert len(tencent.calls) == 1  # no second wait on a dead gateway


def test_refused_keys_fail_the_batch_without_a_request_per_message(tencent):
    tencent.post(URL, json=AUTH_FAILURE)
    provider = TencentSmsProvider()
    provider.open()
    with pytest.raises(PermanentSendError, match="AuthFailure"):
        provider.send(reminder("k-1"))
    with pytest.raises(PermanentSendError, match="not tried: .*AuthFailure"):
        provider.send(reminder("k-2"))
    assert len(tencent.calls) == 1


# --- templates ------------------------------------------------------------------------------------------


def test_a_text_without_an_approved_template_is_refused_for_good_before_any_request(tencent):
    message = OutboxMessage(
        channel="sms", recipient="13812345678", kind="notice", idempotency_key="k", body="停水通知"
    )
    with pytest.raises(PermanentSendError, match="No SMS template for 'notice'.*SMS_TEMPLATES"):
        send(message)
    assert not tencent.calls


def test_a_default_template_carries_a_text_without_a_template_of_its_own(tencent, settings):
    settings.SMS_TEMPLATES = {**TEMPLATES, "default": {"id": "1900009", "params": ["{body}"]}}
    tencent.post(URL, json=sent())
    send(
        OutboxMessage(
            channel="sms", recipient="13812345678", kind="notice", idempotency_key="k", body="明日停水"
        )
    )
    sent_request = json.loads(tencent.calls[0].request.body)
    assert (sent_request["TemplateId"], sent_request["TemplateParamSet"]) == ("1900009", ["明日停水"])


def test_a_template_parameter_the_message_lacks_is_refused_for_good(tencent):
    message = reminder(template_params={"name": "张伟"})
    with pytest.raises(PermanentSendError, match="needs the parameter 'project'"):
        send(message)
    assert not tencent.calls


# --- through the outbox ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_through_the_outbox_sent_retried_and_failed_messages_are_recorded(tencent):
    now = timezone.now()
    messages_enqueue(
        [
            OutgoingMessage(
                channel="sms",
                recipient="13812345678",
                kind="handover_reminder",
                idempotency_key=f"drain-{n}",
                body="交房提醒",
                template_params=reminder().template_params,
            )
            for n in range(3)
        ],
        now=now,
    )
    for answer in (sent(serial="5000:1"), THROTTLED, INVALID_NUMBER):
        tencent.post(URL, json=answer)

    result = outbox_drain(channel="sms", now=now)

    assert (result.sent, result.retried, result.failed) == (1, 1, 1)
    rows = {m.idempotency_key: m for m in OutboxMessage.objects.all()}
    assert (rows["drain-0"].status, rows["drain-0"].provider_message_id) == ("sent", "5000:1")
    assert (
        rows["drain-1"].status == "pending" and "PhoneNumberThirtySecondLimit" in rows["drain-1"].last_error
    )
    assert rows["drain-2"].status == "failed" and "IncorrectPhoneNumber" in rows["drain-2"].last_error
    session_contexts = [json.loads(call.request.body)["SessionContext"] for call in tencent.calls]
    assert session_contexts == ["drain-0", "drain-1", "drain-2"]


# --- settings -------------------------------------------------------------------------------------------


def test_choosing_tencent_without_its_keys_stops_the_start(settings):
    settings.SMS_PROVIDER = "core.outbox.tencent_sms.TencentSmsProvider"
    settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY = SECRET_ID, ""
    settings.SMS_TENCENT_SDK_APP_ID, settings.SMS_SIGN_NAME = "1400006666", ""
    with pytest.raises(ImproperlyConfigured, match="set SMS_TENCENT_SECRET_KEY, SMS_SIGN_NAME"):
        providers_check()


def test_the_file_provider_needs_no_gateway_settings(settings):
    settings.SMS_PROVIDER = "core.outbox.providers.FileSmsProvider"
    settings.SMS_TENCENT_SECRET_ID = settings.SMS_TENCENT_SECRET_KEY = ""
    settings.SMS_TEMPLATES = {"anything": "unchecked"}
    providers_check()


@pytest.mark.parametrize(
    ("templates", "words"),
    [
        ([], "must be a JSON object"),
        ({"public_code": {"params": ["{code}"]}}, 'template "id"'),
        ({"public_code": {"id": "1900002"}}, 'needs "params"'),
        ({"public_code": {"id": "1900002", "params": "{code}"}}, "must be a JSON array"),
        ({"public_code": {"id": "1900002", "params": ["{code"]}}, "expected '}'"),
        ({"public_code": {"id": "1900002", "params": ["{code:>6}"]}}, "plain {name}"),
        ({"public_code": {"id": "1900002", "params": [], "sign": "x"}}, "unknown keys: sign"),
    ],
)
def test_a_malformed_template_mapping_stops_the_start(tencent, settings, templates, words):
    settings.SMS_TEMPLATES = templates
    with pytest.raises(ImproperlyConfigured, match=words):
        providers_check()


def test_a_unknown_provider_class_stops_the_start(settings):
    settings.SMS_PROVIDER = "core.outbox.nowhere.Provider"
    with pytest.raises(ImproperlyConfigured, match="SMS_PROVIDER"):
        providers_check()
