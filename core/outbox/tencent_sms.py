"""Text messages through Tencent Cloud SMS (短信 API 2021-01-11, SendSms), with Tencent's own SDK.

    SMS_PROVIDER=core.outbox.tencent_sms.TencentSmsProvider
    SMS_TENCENT_SECRET_ID, SMS_TENCENT_SECRET_KEY   the API key (a sub-account's that may only send SMS)
    SMS_TENCENT_SDK_APP_ID                          the SMS application's SdkAppId (1400…)
    SMS_TENCENT_REGION                              ap-guangzhou (or ap-beijing, ap-nanjing)
    SMS_SIGN_NAME                                   the approved signature (签名), e.g. 某某地产
    SMS_TEMPLATES                                   our template code → {"id": approved template id,
                                                    "params": its variables in order} (core.outbox.templates)

The SDK signs each request (TC3-HMAC-SHA256) and posts it; this module maps a message onto SendSms
and Tencent's answer onto the outbox's: the message's serial number once accepted, else a temporary
or permanent refusal by Tencent's error code. Tencent does not deduplicate: the idempotency key goes
in SessionContext, which Tencent keeps with the message and returns in its delivery receipts, so a
copy sent after a sender died is recognisable there.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111.models import SendSmsRequest
from tencentcloud.sms.v20210111.sms_client import SmsClient

from .providers import PermanentSendError, Provider, SendError, TemporarySendError
from .templates import check_templates, filled, template_for

# Seconds before an unanswering gateway counts as a failed attempt (the SDK's default is 60).
REQUEST_TIMEOUT_SECONDS = 10
REQUIRED_SETTINGS = (
    "SMS_TENCENT_SECRET_ID",
    "SMS_TENCENT_SECRET_KEY",
    "SMS_TENCENT_SDK_APP_ID",
    "SMS_SIGN_NAME",
)
MAINLAND_MOBILE = re.compile(r"^1\d{10}$")

# Tencent's error codes (API 3.0 common codes and SMS's own), matched as a code or its family
# ("LimitExceeded" covers "LimitExceeded.PhoneNumberDailyLimit"). A later try may succeed after:
TEMPORARY_CODES = (
    "RequestLimitExceeded",  # the API's request rate
    "LimitExceeded",  # a number's or the application's sending limits (per 30 s, hour, day)
    "InternalError",  # Tencent's side, timeouts included …
    "ResourceUnavailable",
    "FailedOperation.InsufficientBalanceInSmsPackage",  # the account is topped up
    "ClientNetworkError",  # the SDK's: no answer (unreachable, timed out)
    "ServerNetworkError",  # the SDK's: an HTTP status other than 200
)
# … and none will: the number, the signature, the template or its parameters, the account's key.
PERMANENT_CODES = (
    "InternalError.SigVerificationFail",  # despite the family: the request's signature
    "InternalError.SigFieldMissing",
    "AuthFailure",
    "UnauthorizedOperation",
    "InvalidParameter",
    "InvalidParameterValue",  # a wrong number, template parameter, SdkAppId …
    "MissingParameter",
    "FailedOperation",  # template or signature not approved, number opted out, sensitive words …
    "UnsupportedOperation",
    "ResourceNotFound",
    "InvalidAction",
)
# Codes that say the account itself was refused: the rest of the batch is not tried.
ACCOUNT_CODES = ("AuthFailure", "UnauthorizedOperation")


def _matches(code: str, families: tuple[str, ...]) -> str | None:
    """The most specific of `families` that `code` is or belongs to."""
    found = [family for family in families if code == family or code.startswith(family + ".")]
    return max(found, key=len) if found else None


def refusal(code: str, text: str) -> SendError:
    """Tencent's error code as the outbox's error. The more specific family decides
    ("InternalError.SigVerificationFail" is a bad signature, not Tencent's outage); a code in neither
    list is retried (and fails after OUTBOX_MAX_ATTEMPTS)."""
    temporary, permanent = _matches(code, TEMPORARY_CODES), _matches(code, PERMANENT_CODES)
    is_permanent = permanent is not None and len(permanent) > len(temporary or "")
    error_class = PermanentSendError if is_permanent else TemporarySendError
    return error_class(f"Tencent SMS {code}: {text}"[:500])


def e164(number: str) -> str:
    """A mainland mobile as Tencent asks for it (+86…); any other form as it is."""
    number = number.strip()
    return f"+86{number}" if MAINLAND_MOBILE.match(number) else number


class TencentSmsProvider(Provider):
    channel = "sms"

    @classmethod
    def check_settings(cls) -> None:
        missing = [name for name in REQUIRED_SETTINGS if not getattr(settings, name)]
        if missing:
            raise ImproperlyConfigured(f"SMS_PROVIDER is Tencent Cloud SMS: set {', '.join(missing)}.")
        check_templates(settings.SMS_TEMPLATES, setting="SMS_TEMPLATES", fields={"params": list}, optional={})

    def open(self) -> None:
        http = HttpProfile(endpoint="sms.tencentcloudapi.com", reqTimeout=REQUEST_TIMEOUT_SECONDS)
        self.client = SmsClient(
            Credential(settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY),
            settings.SMS_TENCENT_REGION,
            ClientProfile(httpProfile=http),
        )
        self.stopped = None  # the refusal or outage that stops the rest of the batch

    def send(self, message) -> str:
        if self.stopped is not None:
            raise type(self.stopped)(f"not tried: {self.stopped}")
        template = template_for(message, settings.SMS_TEMPLATES, setting="SMS_TEMPLATES", channel="SMS")
        request = SendSmsRequest()
        request.PhoneNumberSet = [e164(message.recipient)]
        request.SmsSdkAppId = settings.SMS_TENCENT_SDK_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = template["id"]
        request.TemplateParamSet = [filled(text, message) for text in template["params"]]
        request.SessionContext = message.idempotency_key
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as error:
            refused = refusal(error.code or "ClientError", error.message or "")
            if _matches(error.code or "", ACCOUNT_CODES) or error.code == "ClientNetworkError":
                self.stopped = refused
            raise refused from None
        statuses = response.SendStatusSet or []
        if not statuses:
            raise TemporarySendError(f"Tencent SMS answered without a status (request {response.RequestId})")
        status = statuses[0]
        if status.Code != "Ok":
            raise refusal(status.Code or "", status.Message or "")
        return status.SerialNo or response.RequestId
