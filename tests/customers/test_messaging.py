"""The owner's channel (customers.messaging): their preference where it can carry a message, else SMS."""

import pytest

from customers.messaging import owner_address, owner_message
from tests.factories import CustomerFactory, CustomerPhoneFactory

pytestmark = pytest.mark.django_db

PHONE, EMAIL, OPENID = "13812345678", "zhangwei@example.com", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"


@pytest.mark.parametrize(
    ("preferred", "has", "expected"),
    [
        ("sms", {"phone", "email", "openid"}, ("sms", PHONE)),
        ("phone", {"phone", "email"}, ("sms", PHONE)),  # a call carries no automatic message
        ("visit", {"phone"}, ("sms", PHONE)),
        ("email", {"phone", "email"}, ("email", EMAIL)),
        ("email", {"phone"}, ("sms", PHONE)),  # chose email, gave none
        ("wechat", {"phone", "openid"}, ("wechat", OPENID)),
        ("wechat", {"phone", "email"}, ("sms", PHONE)),  # chose WeChat, never bound it
        ("sms", {"email"}, ("email", EMAIL)),  # no phone at all: the address they have
        ("sms", set(), None),
    ],
)
def test_the_owners_channel(preferred, has, expected):
    customer = CustomerFactory(
        preferred_channel=preferred,
        email=EMAIL if "email" in has else "",
        wechat_openid=OPENID if "openid" in has else "",
    )
    if "phone" in has:
        CustomerPhoneFactory(customer=customer, number="13900001234", is_primary=False)
        CustomerPhoneFactory(customer=customer, number=PHONE, is_primary=True)
    assert owner_address(customer) == expected


def test_the_message_carries_what_its_channel_needs():
    customer = CustomerFactory(preferred_channel="wechat", wechat_openid=OPENID)
    message = owner_message(
        customer,
        kind="handover_reminder",
        idempotency_key="k",
        subject="交房提醒",
        text="明天交房",
        template_params={"a": 1},
    )
    assert (message.channel, message.recipient, message.template_code, message.template_params) == (
        "wechat",
        OPENID,
        "handover_reminder",
        {"a": 1},
    )
    assert message.body == "明天交房" and message.subject == ""

    customer.preferred_channel, customer.email = "email", EMAIL
    message = owner_message(customer, kind="k", idempotency_key="k", subject="交房提醒", text="明天交房")
    assert (message.channel, message.subject, message.template_code) == ("email", "交房提醒", "")


def test_a_text_message_carries_its_template_too_for_gateways_that_send_only_templates():
    customer = CustomerFactory(preferred_channel="sms")
    CustomerPhoneFactory(customer=customer, number=PHONE, is_primary=True)
    message = owner_message(
        customer,
        kind="handover_reminder",
        idempotency_key="k",
        subject="交房提醒",
        text="明天交房",
        template_params={"unit": "3-1-502"},
    )
    assert (message.channel, message.body, message.template_code, message.template_params) == (
        "sms",
        "明天交房",  # what the file and console providers write
        "handover_reminder",
        {"unit": "3-1-502"},
    )
