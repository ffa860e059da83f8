"""WeChat template messages (公众号 模板消息) to an owner's openid, through the official account's API.

    WECHAT_PROVIDER=core.outbox.wechat.WechatTemplateProvider
    WECHAT_APP_ID, WECHAT_APP_SECRET   the official account's AppID and AppSecret
    WECHAT_TEMPLATES                   our template code → {"id": the account's template id,
                                       "data": {its keyword: text}, "url": the link it opens (optional)}

Each message is one POST to /cgi-bin/message/template/send with an access token. The token comes
from /cgi-bin/token and lives in Django's cache (Redis in production) until TOKEN_EARLY_SECONDS
before WeChat's expiry, so every worker uses the same one; on errcode 40001/40014/42001 (invalid or
expired) it is fetched anew, unless another worker already has, and the message is posted once more.
Fetching a token makes WeChat retire the previous one within five minutes: workers that race to
fetch one each keep working meanwhile, and the last one fetched stays in the cache.

WeChat drops a repeated client_msg_id for the same openid within ten minutes; it is derived from the
idempotency key, so a message whose answer was lost (a timeout, retried OUTBOX_RETRY_SECONDS later)
is not shown twice. (A resend after a dead sender's lease, OUTBOX_LEASE_SECONDS, may come too late.)
"""

from __future__ import annotations

import hashlib

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from .providers import PermanentSendError, Provider, SendError, TemporarySendError
from .templates import check_templates, filled, template_for

API = "https://api.weixin.qq.com/cgi-bin"
REQUEST_TIMEOUT_SECONDS = 10
TOKEN_EARLY_SECONDS = 300
TOKEN_REFUSED = {40001, 40014, 42001}  # invalid or expired access token: fetch a new one, try again

# WeChat's errcodes. A later try may succeed after:
TEMPORARY_ERRCODES = {
    -1: "system busy",
    45009: "the account's daily quota of API calls is used up",
    45011: "API calls too frequent",
    40001: "the access token was refused again, just after it was fetched",
    40014: "the access token was refused again, just after it was fetched",
    42001: "the access token was refused again, just after it was fetched",
}
# … and none will (the openid, the template, the account's keys); any other errcode is retried.
PERMANENT_ERRCODES = {
    40003: "not an openid of this account",
    43004: "the owner does not follow (unsubscribed from) the official account",
    43101: "the owner refuses messages from the official account",
    40037: "unknown template_id",
    47003: "a template value is missing or too long",
    47001: "malformed request",
    40013: "wrong AppID",
    40125: "wrong AppSecret",
    40164: "this server's IP address is not on the account's whitelist",
    48001: "the account may not send template messages",
}
# Errcodes that say the account itself was refused: the rest of the batch is not tried.
ACCOUNT_ERRCODES = {40013, 40125, 40164, 48001}


class AccountRefused(PermanentSendError):
    """The account's keys or rights were refused: so would every other message be."""


class Unreachable(TemporarySendError):
    """No answer from WeChat: the rest of the batch waits for the retry instead of timing out too."""


def refusal(errcode: int, errmsg: str) -> SendError:
    if errcode in PERMANENT_ERRCODES:
        error_class = AccountRefused if errcode in ACCOUNT_ERRCODES else PermanentSendError
        return error_class(f"WeChat {errcode} ({PERMANENT_ERRCODES[errcode]}): {errmsg}"[:500])
    reason = TEMPORARY_ERRCODES.get(errcode, "unknown errcode, retried")
    return TemporarySendError(f"WeChat {errcode} ({reason}): {errmsg}"[:500])


def client_msg_id(idempotency_key: str) -> str:
    # A digest rather than the key itself: WeChat caps the field's length (32 hex digits stay under it).
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


def token_cache_key() -> str:
    return f"wechat-access-token:{settings.WECHAT_APP_ID}"


class WechatTemplateProvider(Provider):
    channel = "wechat"

    @classmethod
    def check_settings(cls) -> None:
        missing = [name for name in ("WECHAT_APP_ID", "WECHAT_APP_SECRET") if not getattr(settings, name)]
        if missing:
            raise ImproperlyConfigured(
                f"WECHAT_PROVIDER is WeChat template messages: set {', '.join(missing)}."
            )
        check_templates(
            settings.WECHAT_TEMPLATES,
            setting="WECHAT_TEMPLATES",
            fields={"data": dict},
            optional={"url": str},
        )

    def open(self) -> None:
        self.session = requests.Session()
        self.stopped = None  # the refusal or outage that stops the rest of the batch

    def close(self) -> None:
        self.session.close()

    def send(self, message) -> str:
        if self.stopped is not None:
            raise type(self.stopped)(f"not tried: {self.stopped}")
        try:
            return self._send(message)
        except (AccountRefused, Unreachable) as error:
            self.stopped = error
            raise

    def _send(self, message) -> str:
        template = template_for(
            message, settings.WECHAT_TEMPLATES, setting="WECHAT_TEMPLATES", channel="WeChat"
        )
        payload = {
            "touser": message.recipient,
            "template_id": template["id"],
            "client_msg_id": client_msg_id(message.idempotency_key),
            "data": {keyword: {"value": filled(text, message)} for keyword, text in template["data"].items()},
        }
        if template.get("url"):
            payload["url"] = filled(template["url"], message)
        token = self._token()
        answer = self._call("POST", "/message/template/send", params={"access_token": token}, json=payload)
        if answer.get("errcode") in TOKEN_REFUSED:
            token = self._token(replacing=token)
            answer = self._call(
                "POST", "/message/template/send", params={"access_token": token}, json=payload
            )
        errcode = answer.get("errcode", 0)
        if errcode != 0:
            raise refusal(errcode, answer.get("errmsg", ""))
        return str(answer.get("msgid", ""))

    def _token(self, *, replacing: str = "") -> str:
        """The shared access token; a new one when there is none or the cached one is `replacing`
        (refused just now), unless another worker has cached a new one meanwhile."""
        cached = cache.get(token_cache_key())
        if cached and cached != replacing:
            return cached
        answer = self._call(
            "GET",
            "/token",
            params={
                "grant_type": "client_credential",
                "appid": settings.WECHAT_APP_ID,
                "secret": settings.WECHAT_APP_SECRET,
            },
        )
        token = answer.get("access_token")
        if not token:
            raise refusal(answer.get("errcode", -1), f"no access token: {answer.get('errmsg', '')}")
        lifetime = int(answer.get("expires_in") or 7200)
        cache.set(token_cache_key(), token, timeout=max(60, lifetime - TOKEN_EARLY_SECONDS))
        return token

    def _call(self, method: str, path: str, **arguments) -> dict:
        try:
            response = self.session.request(method, API + path, timeout=REQUEST_TIMEOUT_SECONDS, **arguments)
        except requests.RequestException as error:
            # Only the error's kind: its text holds the URL, with the token or the AppSecret in it.
            raise Unreachable(f"WeChat unreachable ({type(error).__name__})") from None
        if response.status_code != 200:
            raise TemporarySendError(f"WeChat answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise TemporarySendError("WeChat answered something other than JSON") from None
