"""My cases (/public/mine/): an owner confirms their phone with a one-time code and sees the complaints on
their owner records, for a short while; nobody learns from the pages whether a phone is known."""

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, PublicPhoneCode
from complaints.views.owner import OWNER_PAGE_SIZE
from core.masking import mask_phone
from tests.factories import CustomerFactory, CustomerPhoneFactory

pytestmark = pytest.mark.django_db

MINE = reverse("public:mine")
MINE_CODE = reverse("public:mine_code")
MINE_CONFIRM = reverse("public:mine_confirm")
SIGN_OUT = reverse("public:mine_sign_out")
FORM_CODE = reverse("public:code")
OWNER_PHONE = "13812345678"  # the owner fixture's phone
STRANGER_PHONE = "13900009999"  # on no record

# The list: the session (1), the spent code's phone (1), the page of complaints with their project and
# category joined, the owner's customers as a subquery (1) → 3, however many rows.
LIST_QUERIES = 3


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def case_url(complaint) -> str:
    return reverse("public:mine_case", args=[complaint.number])


def last_code(sms_outbox) -> str:
    return re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def ask_code(client, phone=OWNER_PHONE, **extra):
    return client.post(MINE_CODE, {"phone": phone}, **extra)


def sign_in(client, sms_outbox, phone=OWNER_PHONE):
    assert ask_code(client, phone).status_code == 302
    response = client.post(MINE_CONFIRM, {"code": last_code(sms_outbox)})
    assert response.status_code == 302 and response.url == MINE, response.content.decode()[:500]
    return response


@pytest.fixture
def other_owner_complaint(make_complaint, project):
    neighbour = CustomerFactory(city_company=project.city_company, name="王芳")
    CustomerPhoneFactory(customer=neighbour, number="13700001111")
    return make_complaint(customer=neighbour, unit=None, project=project, title="邻居的投诉")


# --- the list -------------------------------------------------------------------------------------------


def test_an_owner_who_confirms_the_code_sees_their_cases_newest_first(client, sms_outbox, make_complaint):
    older, newer = make_complaint(), make_complaint(title="门窗渗水")

    sign_in(client, sms_outbox)
    response = client.get(MINE)

    assert response.status_code == 200
    assert [case.complaint for case in response.context["cases"]] == [newer, older]
    html = response.content.decode()
    assert case_url(newer) in html and case_url(older) in html
    assert "138****5678" in html and OWNER_PHONE not in html
    assert "We promise to contact you by" in html  # each row's next promise
    assert "no-store" in response.headers["Cache-Control"]  # a shared phone's browser keeps no copy


def test_each_case_opens_with_its_promises_and_history(client, sms_outbox, make_complaint):
    complaint = make_complaint()
    sign_in(client, sms_outbox)

    response = client.get(case_url(complaint))

    assert response.status_code == 200
    case = response.context["case"]
    assert case.complaint == complaint and len(case.promises) == 3
    assert [str(step["label"]) for step in case.steps] == ["We received your complaint"]
    assert "地下车库" not in response.content.decode()  # the complaint's text is not repeated to the page


def test_another_owners_case_is_neither_listed_nor_reachable(
    client, sms_outbox, make_complaint, other_owner_complaint
):
    mine = make_complaint()
    sign_in(client, sms_outbox)

    listed = [case.complaint for case in client.get(MINE).context["cases"]]
    assert listed == [mine]
    assert client.get(case_url(other_owner_complaint)).status_code == 404
    assert client.get(reverse("public:mine_case", args=["TS-209901-999999"])).status_code == 404


def test_a_complaint_that_only_names_the_phone_as_its_contact_is_not_listed(
    client, sms_outbox, make_complaint, project
):
    """Anyone may type any phone on the public form: until an agent matches it, it is not the owner's."""
    typed = make_complaint(
        customer=None, unit=None, project=project, reporter_name="某人", reporter_phone=OWNER_PHONE
    )
    sign_in(client, sms_outbox)

    assert list(client.get(MINE).context["cases"]) == []
    assert client.get(case_url(typed)).status_code == 404


def test_the_phones_records_in_every_city_company_are_listed(
    client, sms_outbox, make_complaint, other_project, leak, other_agent
):
    there = CustomerFactory(city_company=other_project.city_company, name="张伟")
    CustomerPhoneFactory(customer=there, number=OWNER_PHONE)
    here = make_complaint()
    elsewhere = make_complaint(by=other_agent, customer=there, unit=None, project=other_project)
    sign_in(client, sms_outbox)

    assert {case.complaint for case in client.get(MINE).context["cases"]} == {here, elsewhere}


def test_a_phone_with_no_cases_is_told_so_after_the_code(client, sms_outbox):
    sign_in(client, sms_outbox, phone=STRANGER_PHONE)

    response = client.get(MINE)
    assert response.status_code == 200 and list(response.context["cases"]) == []
    assert 'data-testid="no-cases"' in response.content.decode()


def test_the_list_pages_by_keyset(client, sms_outbox, make_complaint):
    complaints = [make_complaint() for _ in range(OWNER_PAGE_SIZE + 2)]
    sign_in(client, sms_outbox)

    first = client.get(MINE)
    assert [case.complaint for case in first.context["cases"]] == complaints[::-1][:OWNER_PAGE_SIZE]
    older = client.get(MINE, {"after": first.context["next_cursor"]})
    assert [case.complaint for case in older.context["cases"]] == complaints[1::-1]
    assert older.context["next_cursor"] is None
    # A page link this server did not write goes back to the first page.
    assert client.get(MINE, {"after": "%%%"}).url == MINE


@pytest.mark.parametrize("rows", [2, 20])
def test_the_list_costs_the_same_queries_for_2_and_20_cases(
    client, sms_outbox, make_complaint, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        make_complaint()
    sign_in(client, sms_outbox)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(MINE)
    assert len(response.context["cases"]) == min(rows, OWNER_PAGE_SIZE)


# --- the one-time code -------------------------------------------------------------------------------


def test_the_sign_in_page_asks_for_a_phone(client):
    response = client.get(MINE)
    assert response.status_code == 200
    assert "cases" not in response.context and 'name="phone"' in response.content.decode()


def test_a_known_and_an_unknown_phone_get_the_same_answers(client, sms_outbox, make_complaint):
    make_complaint()
    answers = []
    for phone in (OWNER_PHONE, STRANGER_PHONE):
        visitor = Client()
        asked = ask_code(visitor, phone)
        page = visitor.get(MINE_CONFIRM)
        wrong_try = visitor.post(MINE_CONFIRM, {"code": wrong(last_code(sms_outbox))})
        assert sms_outbox[-1].phone == phone  # sent either way
        answers.append(
            (
                asked.status_code,
                asked.url,
                page.status_code,
                re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode()).replace(
                    mask_phone(phone), "(phone)"
                ),
                wrong_try.status_code,
                wrong_try.context["form"].errors,
            )
        )
    assert answers[0] == answers[1]


def test_a_wrong_code_does_not_sign_in_and_says_how_many_tries_are_left(client, sms_outbox, make_complaint):
    make_complaint()
    ask_code(client)

    response = client.post(MINE_CONFIRM, {"code": wrong(last_code(sms_outbox))})

    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["Wrong code: 4 tries left."]
    assert "cases" not in client.get(MINE).context


def test_a_code_used_up_by_wrong_tries_is_dead(client, sms_outbox, settings):
    settings.PUBLIC_COMPLAINT_RATE = "100/h"
    ask_code(client)
    code = last_code(sms_outbox)
    for _ in range(5):
        client.post(MINE_CONFIRM, {"code": wrong(code)})

    response = client.post(MINE_CONFIRM, {"code": code})
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["Too many wrong codes: ask for a new one."]


def test_an_expired_code_is_refused(client, sms_outbox):
    ask_code(client)
    code = last_code(sms_outbox)

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        response = client.post(MINE_CONFIRM, {"code": code})

    assert response.status_code == 400
    assert response.context["form"].errors["code"] == [
        "This code has expired or was never sent: ask for a new one."
    ]


def test_a_code_signs_in_once(client, sms_outbox):
    sign_in(client, sms_outbox)
    code = last_code(sms_outbox)
    assert PublicPhoneCode.objects.get().used_at is not None

    other = Client()
    session = other.session
    session["public_owner_code"] = PublicPhoneCode.objects.get().pk  # as if it had asked for that code
    session.save()
    response = other.post(MINE_CONFIRM, {"code": code})
    assert response.status_code == 302 and response.url == MINE  # nothing pending: start again
    assert "cases" not in other.get(MINE).context


def test_a_bad_phone_gets_no_code(client, sms_outbox):
    response = ask_code(client, phone="12345")
    assert response.status_code == 400 and "phone" in response.context["form"].errors
    assert not sms_outbox and not PublicPhoneCode.objects.exists()


def test_codes_per_phone_are_limited_together_with_the_forms(client, sms_outbox, settings):
    settings.PUBLIC_CODE_PHONE_RATE = "2/h"
    client.post(FORM_CODE, {"phone": OWNER_PHONE}, HTTP_ACCEPT="application/json")
    assert ask_code(client).status_code == 302

    response = ask_code(client, REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 429 and "Too many requests" in response.content.decode()
    assert len(sms_outbox) == 2
    assert ask_code(client, STRANGER_PHONE).status_code == 302  # another phone still may


def test_codes_per_ip_are_limited(client, sms_outbox, settings):
    settings.PUBLIC_CODE_IP_RATE = "2/h"
    assert ask_code(client, "13900000001").status_code == 302
    assert ask_code(client, "1").status_code == 400  # a bad phone counts too

    assert ask_code(client, "13900000003").status_code == 429
    assert len(sms_outbox) == 1


def test_code_entries_are_limited_per_ip(client, sms_outbox, settings):
    settings.PUBLIC_COMPLAINT_RATE = "2/h"
    ask_code(client)
    code = last_code(sms_outbox)
    for _ in range(2):
        client.post(MINE_CONFIRM, {"code": wrong(code)})

    assert client.post(MINE_CONFIRM, {"code": code}).status_code == 429
    assert "cases" not in client.get(MINE).context


def test_the_posts_need_the_csrf_token(sms_outbox):
    browser = Client(enforce_csrf_checks=True)
    assert ask_code(browser).status_code == 403
    assert browser.post(SIGN_OUT).status_code == 403
    assert not sms_outbox


def test_no_phone_in_urls_or_in_the_session(client, sms_outbox, make_complaint):
    complaint = make_complaint()
    asked = ask_code(client)
    signed_in = client.post(MINE_CONFIRM, {"code": last_code(sms_outbox)})
    page = client.get(MINE)

    for url in (asked.url, signed_in.url, case_url(complaint)):
        assert OWNER_PHONE not in url and "5678" not in url
    assert OWNER_PHONE not in str(dict(client.session.items()))
    assert OWNER_PHONE not in page.content.decode()


def test_the_confirm_page_shows_the_phone_masked(client, sms_outbox):
    ask_code(client)
    html = client.get(MINE_CONFIRM).content.decode()
    assert "138****5678" in html and OWNER_PHONE not in html


def test_the_confirm_page_without_a_code_asked_goes_back_to_the_start(client):
    assert client.get(MINE_CONFIRM).url == MINE


# --- the session ----------------------------------------------------------------------------------------


def test_signing_in_changes_the_session_key(client, sms_outbox):
    ask_code(client)
    before = client.session.session_key
    client.post(MINE_CONFIRM, {"code": last_code(sms_outbox)})
    assert client.session.session_key != before


def test_the_cases_are_shown_for_the_configured_time_only(client, sms_outbox, make_complaint, settings):
    settings.PUBLIC_OWNER_SESSION_MINUTES = 5
    complaint = make_complaint()
    sign_in(client, sms_outbox)

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=4)):
        assert client.get(case_url(complaint)).status_code == 200
        assert len(client.get(MINE).context["cases"]) == 1
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)):
        assert client.get(case_url(complaint)).url == MINE
        response = client.get(MINE)
        assert "cases" not in response.context and response.context["expired"]
        assert 'data-testid="session-ended"' in response.content.decode()
    # Gone for good: coming back in time does not bring it back.
    assert "cases" not in client.get(MINE).context


def test_the_default_session_is_thirty_minutes(client, sms_outbox, make_complaint):
    make_complaint()
    sign_in(client, sms_outbox)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=29)):
        assert "cases" in client.get(MINE).context
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        assert "cases" not in client.get(MINE).context


def test_signing_out_forgets_the_cases_at_once(client, sms_outbox, make_complaint):
    complaint = make_complaint()
    sign_in(client, sms_outbox)
    assert 'data-testid="sign-out"' in client.get(MINE).content.decode()

    assert client.post(SIGN_OUT).url == MINE
    assert "cases" not in client.get(MINE).context
    assert client.get(case_url(complaint)).url == MINE
    assert client.get(SIGN_OUT).status_code == 405


def test_the_public_pages_link_to_my_cases(client):
    for url in (reverse("public:submit"), reverse("public:track"), MINE):
        assert f'href="{MINE}"' in client.get(url).content.decode()


def test_the_owner_pages_use_the_public_base_and_no_inline_script_or_style(
    client, sms_outbox, make_complaint
):
    complaint = make_complaint()
    pages = [client.get(MINE)]
    ask_code(client)
    pages.append(client.get(MINE_CONFIRM))
    client.post(MINE_CONFIRM, {"code": last_code(sms_outbox)})
    pages += [client.get(MINE), client.get(case_url(complaint))]
    for page in pages:
        html = page.content.decode()
        assert "complaints/public/base.html" in [t.name for t in page.templates]
        assert "<style" not in html and "style=" not in html and " on" + "click" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"""(src|href)=["']https?://""", html)


def test_complaints_are_untouched_by_the_owners_visit(client, sms_outbox, make_complaint):
    complaint = make_complaint()
    version = complaint.version
    sign_in(client, sms_outbox)
    client.get(case_url(complaint))
    assert Complaint.objects.get().version == version
