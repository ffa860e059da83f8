import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints.models import Attachment, Channel, Complaint, ComplaintEvent, PublicPhoneCode, SlaTarget
from complaints.services import complaint_add_note, complaint_dispatch, complaint_respond
from customers.models import AcquisitionChannel, Customer, CustomerPhone
from tests.factories import image_bytes

pytestmark = pytest.mark.django_db

SUBMIT = reverse("public:submit")
TRACK = reverse("public:track")
CODE = reverse("public:code")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # the counters live in the process-wide locmem cache
    yield
    cache.clear()


def form_data(project, leak, **overrides):
    data = {
        "name": "李娜",
        "phone": "139 0000 1234",
        "project": project.pk,
        "unit_text": "",
        "complaint_type": "complaint",
        "category": leak.pk,
        "description": "卫生间天花板漏水\n楼上装修后开始",
    }
    data.update(overrides)
    return data


def texted_code(client, sms_outbox, phone="13900001234") -> str:
    """Ask for a code as the page's script does and read it from the text message."""
    response = client.post(CODE, {"phone": phone}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    return re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)


def test_submit_without_a_code_records_the_contact_as_given_and_a_running_clock(client, project, leak):
    response = client.post(SUBMIT, form_data(project, leak))

    assert response.status_code == 302 and response.url == reverse("public:submitted")
    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.WEB_FORM and complaint.received_by is None
    assert complaint.project == project and complaint.title == "卫生间天花板漏水"
    assert complaint.sla_target == SlaTarget.FIRST_RESPONSE
    assert complaint.first_response_due_at is not None and complaint.sla_next_check_at is not None
    assert complaint.customer is None
    assert (complaint.reporter_name, complaint.reporter_phone) == ("李娜", "13900001234")
    assert not Customer.objects.exists()
    page = client.get(response.url)
    assert complaint.number in page.content.decode()
    assert f"{TRACK}?number={complaint.number}" in page.content.decode()


def test_with_the_texted_code_an_unknown_phone_becomes_an_online_customer(client, project, leak, sms_outbox):
    code = texted_code(client, sms_outbox)
    client.post(SUBMIT, form_data(project, leak, code=code))

    customer = Complaint.objects.get().customer
    assert customer.name == "李娜" and customer.acquisition_channel == AcquisitionChannel.ONLINE
    assert customer.city_company == project.city_company and customer.registered_project == project
    assert list(customer.phones.values_list("number", "is_primary")) == [("13900001234", True)]


def test_finding_10_11_an_owners_phone_without_a_code_does_not_reach_the_owners_record(
    client, project, leak, owner
):
    """Anyone may type a phone number: the complaint keeps the contact as given, for an agent to match."""
    client.post(SUBMIT, form_data(project, leak, name="张先生", phone="13812345678", unit_text="3栋1单元502"))

    complaint = Complaint.objects.get()
    assert complaint.customer is None and not owner.complaints.exists()
    assert (complaint.reporter_name, complaint.reporter_phone) == ("张先生", "13812345678")
    assert complaint.unit.code == "3-1-502"
    assert Customer.objects.count() == 1 and CustomerPhone.objects.count() == 1


def test_finding_10_11_with_the_code_texted_to_the_owners_phone_it_is_linked(
    client, project, leak, owner, sms_outbox
):
    code = texted_code(client, sms_outbox, phone="13812345678")
    assert sms_outbox[-1].phone == "13812345678"
    client.post(SUBMIT, form_data(project, leak, name="张先生", phone="138 1234 5678", code=code))

    complaint = Complaint.objects.get()
    assert complaint.customer == owner
    assert Customer.objects.count() == 1 and CustomerPhone.objects.count() == 1
    assert PublicPhoneCode.objects.get().used_at is not None


def test_the_same_phone_in_another_city_company_is_a_new_customer(
    client, other_project, leak, owner, sms_outbox
):
    code = texted_code(client, sms_outbox, phone="13812345678")
    client.post(SUBMIT, form_data(other_project, leak, phone="13812345678", code=code))

    complaint = Complaint.objects.get()
    assert complaint.customer != owner and complaint.customer.city_company == other_project.city_company


def test_bad_phone_and_empty_description_are_form_errors(client, project, leak):
    response = client.post(SUBMIT, form_data(project, leak, phone="12345", description="   "))

    assert response.status_code == 200
    form = response.context["form"]
    assert "phone" in form.errors and "description" in form.errors
    assert not Complaint.objects.exists() and not Customer.objects.exists()


def test_up_to_three_photos_are_attached_and_a_fourth_is_refused(client, project, leak):
    def photo(n):
        return SimpleUploadedFile(f"p{n}.jpg", image_bytes(), content_type="image/jpeg")

    response = client.post(SUBMIT, form_data(project, leak, photos=[photo(n) for n in range(4)]))
    assert response.status_code == 200 and "photos" in response.context["form"].errors

    client.post(SUBMIT, form_data(project, leak, photos=[photo(n) for n in range(3)]))
    assert Attachment.objects.filter(complaint=Complaint.objects.get()).count() == 3


def test_a_non_image_upload_is_refused(client, project, leak):
    script = SimpleUploadedFile("x.html", b"<script>", content_type="text/html")
    response = client.post(SUBMIT, form_data(project, leak, photos=[script]))
    assert "photos" in response.context["form"].errors and not Complaint.objects.exists()


def test_submissions_beyond_the_rate_get_a_friendly_429(client, project, leak, settings):
    settings.PUBLIC_COMPLAINT_RATE = "2/h"
    for _ in range(2):
        assert client.post(SUBMIT, form_data(project, leak)).status_code == 302
    # A rejected form does not use up the allowance, but once it is used up nothing more is filed.
    response = client.post(SUBMIT, form_data(project, leak))

    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert Complaint.objects.count() == 2
    # Another address still may.
    assert client.post(SUBMIT, form_data(project, leak), REMOTE_ADDR="10.0.0.9").status_code == 302


def test_finding_10_5_failed_submissions_use_up_the_allowance_too(client, project, leak, settings):
    """Every POST counts, checked before its form is read: the 6th invalid one in the hour is refused."""
    assert settings.PUBLIC_COMPLAINT_RATE == "5/h"
    for _ in range(5):
        assert client.post(SUBMIT, form_data(project, leak, phone="1")).status_code == 200
    response = client.post(SUBMIT, form_data(project, leak))
    assert response.status_code == 429 and "Too many requests" in response.content.decode()
    assert not Complaint.objects.exists()


def test_finding_10_5_posts_that_are_no_form_at_all_count_as_well(client, project, leak, settings):
    settings.PUBLIC_COMPLAINT_RATE = "2/h"
    client.post(SUBMIT, {})
    client.post(SUBMIT, {"photos": SimpleUploadedFile("x.bin", b"0" * 1024)})
    assert client.post(SUBMIT, form_data(project, leak)).status_code == 429


@pytest.fixture
def filed(client, project, leak, supervisor):
    supervisor.display_name = "客服主管 陈静"
    supervisor.save()
    client.post(SUBMIT, form_data(project, leak))
    complaint = Complaint.objects.get()
    complaint_dispatch(complaint=complaint, by=supervisor, department="engineering", handler=supervisor)
    complaint_respond(complaint=complaint, by=supervisor, method="call", content="内部：业主情绪激动，先安抚")
    complaint_add_note(complaint=complaint, by=supervisor, note="内部备注：怀疑是楼上防水层破损")
    return complaint


def test_tracking_with_the_right_tail_shows_status_and_the_public_timeline(client, filed):
    response = client.post(TRACK, {"number": filed.number.lower(), "phone_tail": "1234"})

    html = response.content.decode()
    assert response.status_code == 200 and response.context["complaint"] == filed
    labels = [str(step["label"]) for step in response.context["timeline"]]
    assert labels == [
        "We received your complaint",
        "Passed to the responsible department",
        "We contacted you",
    ]
    assert "Dispatched" in html  # the status
    assert ComplaintEvent.objects.filter(complaint=filed, kind="note").exists()


def test_tracking_html_shows_no_staff_names_and_no_internal_notes(client, filed):
    html = client.post(TRACK, {"number": filed.number, "phone_tail": "1234"}).content.decode()

    assert filed.number in html
    for secret in ("陈静", "supervisor", "内部", "安抚", "防水层"):
        assert secret not in html


def test_a_wrong_tail_and_an_unknown_number_get_the_same_answer(client, filed):
    wrong_tail = client.post(TRACK, {"number": filed.number, "phone_tail": "9999"})
    unknown = client.post(TRACK, {"number": "TS-209901-999999", "phone_tail": "1234"})

    for response in (wrong_tail, unknown):
        assert response.status_code == 200 and "complaint" not in response.context
        assert "No complaint matches this number and phone" in response.content.decode()
    assert filed.number not in wrong_tail.content.decode().replace(f'value="{filed.number}"', "")


def test_tracking_is_rate_limited(client, filed, settings):
    settings.PUBLIC_TRACK_RATE = "3/h"
    for _ in range(3):
        assert client.post(TRACK, {"number": filed.number, "phone_tail": "0000"}).status_code == 200
    assert client.post(TRACK, {"number": filed.number, "phone_tail": "1234"}).status_code == 429


def test_the_public_pages_need_no_login_and_use_their_own_base(client, project):
    for url in (SUBMIT, TRACK):
        response = client.get(url)
        assert response.status_code == 200
        templates = [t.name for t in response.templates]
        assert "complaints/public/base.html" in templates and "base.html" not in templates
    assert client.get(reverse("public:submitted")).status_code == 302  # nothing filed in this session
