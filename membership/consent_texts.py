"""The consent texts a member answers, versioned: each Consent row records the version it answered.

A text is never edited in place once used: a changed wording is a new version (and a new entry
here), so that what a member agreed to can always be shown word for word. The texts are kept in
both languages here, not in the .po files, because the words agreed to must not drift with a
translation update.
"""

from __future__ import annotations

from customers.consent_texts import ConsentText

from .models import Consent

__all__ = ["ConsentText", "CLUB_DATA_TEXT", "MARKETING_TEXT", "current_text", "text_of_version"]


CLUB_DATA_TEXT = ConsentText(
    kind=Consent.Kind.CLUB_DATA,
    version="club-data-2026.1",
    zh=(
        "我同意万客会收集并使用我在本表中填写的个人信息（姓名、性别、出生日期、国籍、工作单位、学历、"
        "手机号码及选填的电子邮箱和证件号码），用于办理和管理会员资格、会员服务与活动、积分与权益，"
        "以及在我购房时将会员身份与客户档案关联。信息仅在本集团内使用，不会出售给第三方。"
        "我可以随时致电客服撤回本同意并退出万客会。"
    ),
    en=(
        "I agree that the club (万客会) collects and uses the personal data I give on this form (name, "
        "gender, birth date, nationality, employer, education, mobile number and, if given, email and ID "
        "number) to run my membership, member services and events, points and benefits, and to link my "
        "membership to my customer record when I buy a home. The data stays within the group and is never "
        "sold. I may withdraw this consent and leave the club at any time by calling customer service."
    ),
)

MARKETING_TEXT = ConsentText(
    kind=Consent.Kind.MARKETING,
    version="marketing-2026.1",
    zh=(
        "我同意通过短信、微信或电子邮件接收万客会及本集团的新项目、开盘、会员优惠和活动等营销信息。"
        "本项为选填；我可以随时通过信息中的退订链接或致电客服撤回。"
    ),
    en=(
        "I agree to receive marketing messages from the club and the group (new projects, launches, member "
        "offers and events) by text message, WeChat or email. This is optional; I may withdraw at any time "
        "through the unsubscribe link in any such message or by calling customer service."
    ),
)

CURRENT_TEXTS: dict[str, ConsentText] = {
    Consent.Kind.CLUB_DATA: CLUB_DATA_TEXT,
    Consent.Kind.MARKETING: MARKETING_TEXT,
}
# Every version ever shown, so that the consent history can show the words of an older one.
ALL_TEXTS: dict[str, ConsentText] = {text.version: text for text in CURRENT_TEXTS.values()}


def current_text(kind: str) -> ConsentText:
    return CURRENT_TEXTS[kind]


def text_of_version(version: str) -> ConsentText | None:
    return ALL_TEXTS.get(version)
