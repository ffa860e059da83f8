"""Finding 10.11: the public form puts a complaint on an owner's record only after the one-time code
texted to that phone is entered; otherwise it keeps the contact as given and an agent matches it.
Finding 10.5: the code endpoint and the form count every POST."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent, PublicPhoneCode
from complaints.services import public_code_check, public_code_send, public_complaint_submit
from core.models import OutboxMessage
from core.outbox import TemporarySendError
from tests.api import client_for
from tests.factories import CustomerFactory, CustomerPhoneFactory

pytestmark = pytest.mark.django_db

SUBMIT = reverse("public:submit")
CODE = reverse("public:code")
OWNER_PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    cache.clear()
    settings.PUBLIC_COMPLAINT_RATE = "100/h"  # these tests post wrong codes on purpose
    yield
    cache.clear()


def form_data(project, leak, **overrides):
    data = {
        "name": "张先生",
        "phone": OWNER_PHONE,
        "project": project.pk,
        "unit_text": "",
        "complaint_type": "complaint",
        "category": leak.pk,
        "description": "卫生间天花板漏水",
    }
    data.update(overrides)
    return data


def ask_code(client, phone=OWNER_PHONE, **extra):
    return client.post(CODE, {"phone": phone}, HTTP_ACCEPT="application/json", **extra)


def last_code(sms_outbox) -> str:
    return re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# --- the code --------------------------------------------------------------------------------------


def test_a_code_is_six_digits_texted_to_the_phone_and_kept_only_as_a_keyed_hash(client, sms_outbox):
    response = ask_code(client, phone="138 1234 5678")

    assert response.status_code == 200 and response.json()["sent"] is True
    assert "138****5678" in response.json()["message"]
    (message,) = sms_outbox
    code = last_code(sms_outbox)
    assert message.phone == OWNER_PHONE and len(code) == 6
    record = PublicPhoneCode.objects.get()
    assert record.phone == OWNER_PHONE and code not in record.code_hash and len(record.code_hash) == 64
    assert record.expires_at - record.created_at == datetime.timedelta(minutes=10)


def test_asking_for_and_checking_a_code_are_posts(client):
    assert client.get(CODE, {"phone": OWNER_PHONE}).status_code == 405
    assert not PublicPhoneCode.objects.exists()


def test_the_code_goes_through_the_outbox_at_once_and_is_not_kept_there_once_sent(client, sms_outbox):
    ask_code(client)
    code = last_code(sms_outbox)
    message = OutboxMessage.objects.get()
    assert (message.kind, message.channel, message.status) == ("public_code", "sms", "sent")
    assert code not in message.body and message.is_secret


def test_a_gateway_hiccup_leaves_the_code_in_the_outbox_to_be_retried(client, settings, sms_outbox):
    settings.SMS_PROVIDER = "tests.complaints.test_public_codes.BusyGateway"
    response = ask_code(client)
    assert response.status_code == 200 and not sms_outbox
    message = OutboxMessage.objects.get()
    assert message.status == "pending" and message.attempts == 1 and "busy" in message.last_error


def test_the_code_is_a_template_parameter_for_gateways_that_send_only_templates(client, settings):
    settings.SMS_PROVIDER = "tests.complaints.test_public_codes.TemplateGateway"
    TemplateGateway.sent.clear()
    ask_code(client)
    ((template_code, params, text),) = TemplateGateway.sent
    assert template_code == "public_code" and params["minutes"] == "10"
    assert params["code"] in text and re.fullmatch(r"\d{6}", params["code"])
    assert OutboxMessage.objects.get().template_params == {}  # erased with the text once sent


class TemplateGateway:
    sent = []

    def open(self):
        pass

    def close(self):
        pass

    def send(self, message):
        self.sent.append((message.template_code, dict(message.template_params), message.body))
        return "1"


class BusyGateway:
    def open(self):
        pass

    def close(self):
        pass

    def send(self, message):
        raise TemporarySendError("gateway busy")


def test_a_bad_phone_gets_no_code(client, sms_outbox):
    response = ask_code(client, phone="12345")
    assert response.status_code == 400 and response.json()["sent"] is False
    assert not sms_outbox and not PublicPhoneCode.objects.exists()


def test_finding_10_11_wrong_codes_five_times_lock_the_code(client, project, leak, owner, sms_outbox):
    ask_code(client)
    code = last_code(sms_outbox)
    for left in (4, 3, 2, 1):
        response = client.post(SUBMIT, form_data(project, leak, code=wrong(code)))
        assert response.status_code == 200
        assert f"Wrong code: {left} tries left." in response.context["form"].errors["code"]
    response = client.post(SUBMIT, form_data(project, leak, code=wrong(code)))
    assert "Too many wrong codes: ask for a new one." in response.context["form"].errors["code"]

    # Locked: even the right code no longer links.
    response = client.post(SUBMIT, form_data(project, leak, code=code))
    assert "Too many wrong codes: ask for a new one." in response.context["form"].errors["code"]
    assert not Complaint.objects.exists()
    assert PublicPhoneCode.objects.get().attempts == 5
    # A new code works.
    ask_code(client)
    client.post(SUBMIT, form_data(project, leak, code=last_code(sms_outbox)))
    assert Complaint.objects.get().customer == owner


def test_finding_10_11_an_expired_code_is_refused(client, project, leak, owner, sms_outbox):
    public_code_send(phone=OWNER_PHONE, now=timezone.now() - datetime.timedelta(minutes=11))
    response = client.post(SUBMIT, form_data(project, leak, code=last_code(sms_outbox)))

    assert (
        "This code has expired or was never sent: ask for a new one."
        in response.context["form"].errors["code"]
    )
    assert not Complaint.objects.exists()


def test_a_code_still_works_just_before_its_ten_minutes_are_up(owner, sms_outbox):
    sent = timezone.now()
    public_code_send(phone=OWNER_PHONE, now=sent)
    assert public_code_check(
        phone=OWNER_PHONE, code=last_code(sms_outbox), now=sent + datetime.timedelta(minutes=9)
    )


def test_a_code_links_one_complaint_only_and_a_new_code_replaces_the_old(
    client, project, leak, owner, sms_outbox
):
    ask_code(client)
    first = last_code(sms_outbox)
    ask_code(client)
    second = last_code(sms_outbox)
    if first != second:  # one in a million they are the same
        response = client.post(SUBMIT, form_data(project, leak, code=first))
        assert "code" in response.context["form"].errors
    client.post(SUBMIT, form_data(project, leak, code=second))
    assert Complaint.objects.get().customer == owner
    response = client.post(SUBMIT, form_data(project, leak, code=second))
    assert "code" in response.context["form"].errors and Complaint.objects.count() == 1


def test_a_code_is_for_its_phone_only(client, project, leak, owner, sms_outbox):
    ask_code(client, phone="13900001234")
    response = client.post(SUBMIT, form_data(project, leak, code=last_code(sms_outbox)))  # the owner's phone
    assert "code" in response.context["form"].errors and not Complaint.objects.exists()


def test_a_code_that_is_no_six_digits_is_a_form_error(client, project, leak):
    response = client.post(SUBMIT, form_data(project, leak, code="12ab"))
    assert response.context["form"].errors["code"] == ["The code is 6 digits."]


def test_without_script_the_send_button_brings_the_form_back_filled_in(client, project, leak, sms_outbox):
    response = client.post(CODE, form_data(project, leak))

    assert response.status_code == 200 and len(sms_outbox) == 1
    html = response.content.decode()
    assert "We sent a code to 138****5678" in html
    assert 'value="张先生"' in html and "卫生间天花板漏水" in html
    assert 'id="send-code"' in html and 'formaction="/public/code/"' in html


# --- limits ----------------------------------------------------------------------------------------


def test_finding_10_11_codes_are_limited_per_phone(client, settings, sms_outbox):
    assert settings.PUBLIC_CODE_PHONE_RATE == "3/h"
    for n in range(3):
        assert ask_code(client, REMOTE_ADDR=f"10.0.0.{n}").status_code == 200
    response = ask_code(client, REMOTE_ADDR="10.0.0.9")  # another address, the same phone
    assert response.status_code == 429 and len(sms_outbox) == 3
    assert ask_code(client, phone="13900001234", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_finding_10_5_codes_are_limited_per_address_counting_every_post(client, settings, sms_outbox):
    assert settings.PUBLIC_CODE_IP_RATE == "10/h"
    for _ in range(5):
        ask_code(client, phone="12345")  # refused phones count as well
    for n in range(5):
        assert ask_code(client, phone=f"1390000{n:04d}").status_code == 200
    assert ask_code(client, phone="13700001111").status_code == 429
    assert len(sms_outbox) == 5


# --- the agent's side: the unmatched complaint ------------------------------------------------------


@pytest.fixture
def unmatched(project, leak, owner):
    return public_complaint_submit(
        name="张先生",
        phone=OWNER_PHONE,
        project=project,
        category=leak,
        complaint_type="complaint",
        description="卫生间天花板漏水",
    )


def test_finding_10_11_the_agent_sees_the_contact_as_given_and_links_the_customer(
    client, agent, unmatched, owner
):
    client.force_login(agent)
    page = client.get(reverse("complaints:detail", args=[unmatched.pk]))
    html = page.content.decode()
    assert "Unmatched public complaint — contact as given" in html
    assert "138****5678" in html and OWNER_PHONE not in html
    assert f'action="/complaints/{unmatched.pk}/link-customer/"' in html
    assert owner in page.context["actions"][-1]["form"].fields["customer"].queryset

    response = client.post(
        reverse("complaints:action", args=[unmatched.pk, "link-customer"]),
        {"customer": owner.pk, "version": unmatched.version},
    )
    assert response.status_code == 302
    unmatched.refresh_from_db()
    assert unmatched.customer == owner
    event = unmatched.events.get(kind=ComplaintEvent.Kind.CUSTOMER_LINKED)
    assert event.actor == agent and event.data == {"customer": owner.pk}
    assert (
        "link-customer" not in client.get(reverse("complaints:detail", args=[unmatched.pk])).content.decode()
    )


def test_the_agent_may_link_by_customer_number_within_scope_only(
    client, agent, unmatched, project, other_project
):
    mine = CustomerFactory(city_company=project.city_company, registered_project=project, name="张三")
    theirs = CustomerFactory(city_company=other_project.city_company, registered_project=other_project)
    client.force_login(agent)
    url = reverse("complaints:action", args=[unmatched.pk, "link-customer"])

    response = client.post(url, {"customer_number": theirs.pk, "version": unmatched.version})
    assert response.status_code == 400
    assert "No customer with this number within your scope." in response.content.decode()
    assert client.post(url, {"customer_number": mine.pk, "version": unmatched.version}).status_code == 302
    unmatched.refresh_from_db()
    assert unmatched.customer == mine


def test_the_board_marks_the_unmatched_complaint_with_the_name_as_given(client, agent, unmatched):
    client.force_login(agent)
    html = client.get(reverse("complaints:board")).content.decode()
    assert 'data-testid="unmatched"' in html and "张先生" in html and "138****5678" in html


def test_the_api_shows_no_customer_and_the_masked_contact_and_links_it(agent, unmatched, owner):
    api = client_for(agent)
    row = api.get("/api/v1/complaints/").json()["results"][0]
    assert row["customer"] is None and row["reporter"] == {"name": "张先生", "phone": "138****5678"}

    response = api.post(
        f"/api/v1/complaints/{unmatched.pk}/link-customer/",
        {"customer": owner.pk, "version": unmatched.version},
        format="json",
    )
    assert response.status_code == 200 and response.json()["customer"]["id"] == owner.pk
    again = api.post(
        f"/api/v1/complaints/{unmatched.pk}/link-customer/",
        {"customer": owner.pk, "version": response.json()["version"]},
        format="json",
    )
    assert again.status_code == 400 and "customer" in again.json()


def test_the_owner_tracks_an_unmatched_complaint_with_the_phone_they_gave(client, unmatched):
    response = client.post(reverse("public:track"), {"number": unmatched.number, "phone_tail": "5678"})
    assert response.context["complaint"] == unmatched


def test_a_duplicate_phone_is_offered_as_a_match_too(client, agent, unmatched, project):
    twin = CustomerFactory(city_company=project.city_company, registered_project=project, name="张先生的家人")
    CustomerPhoneFactory(customer=twin, number=OWNER_PHONE)
    client.force_login(agent)
    page = client.get(reverse("complaints:detail", args=[unmatched.pk]))
    assert twin in page.context["actions"][-1]["form"].fields["customer"].queryset
