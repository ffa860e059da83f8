"""The consent texts a customer answers, versioned: each CustomerConsent row records the version it
answered. The club's texts (membership.consent_texts) have the same shape: `ConsentText` is shared.

A text is never edited in place once used: a changed wording is a new version (and a new entry here),
so that what a person agreed to can always be shown word for word. The texts are kept in both languages
here, not in the .po files, because the words agreed to must not drift with a translation update.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation

from .models import ConsentPurpose


@dataclass(frozen=True)
class ConsentText:
    kind: str
    version: str
    zh: str
    en: str

    def text(self, language: str | None = None) -> str:
        language = (language or translation.get_language() or "zh-hans").lower()
        return self.en if language.startswith("en") else self.zh


MARKETING_TEXT = ConsentText(
    kind=ConsentPurpose.MARKETING,
    version="cust-mkt-2026.1",
    zh=(
        "我同意通过短信、微信或电子邮件接收本集团的新项目、开盘、优惠和活动等营销信息。"
        "本项为选填；我可以随时通过信息中的退订链接或致电客服撤回。"
    ),
    en=(
        "I agree to receive marketing messages from the group (new projects, launches, offers and events) "
        "by text message, WeChat or email. This is optional; I may withdraw at any time through the "
        "unsubscribe link in any such message or by calling customer service."
    ),
)

SURVEYS_TEXT = ConsentText(
    kind=ConsentPurpose.SURVEYS,
    version="cust-surveys-2026.1",
    zh=(
        "我同意在购房、交付、维修和投诉处理后接收满意度调查，以帮助改进服务。"
        "我可以随时通过调查中的退订链接或致电客服撤回。"
    ),
    en=(
        "I agree to receive satisfaction surveys after buying, handover, repairs and complaints, to help "
        "improve the service. I may withdraw at any time through the opt-out link in any survey or by "
        "calling customer service."
    ),
)

CURRENT_TEXTS: dict[str, ConsentText] = {
    ConsentPurpose.MARKETING: MARKETING_TEXT,
    ConsentPurpose.SURVEYS: SURVEYS_TEXT,
}
ALL_TEXTS: dict[str, ConsentText] = {text.version: text for text in CURRENT_TEXTS.values()}


def current_text(purpose: str) -> ConsentText:
    return CURRENT_TEXTS[purpose]


def text_of_version(version: str) -> ConsentText | None:
    return ALL_TEXTS.get(version)
