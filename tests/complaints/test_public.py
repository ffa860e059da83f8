import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints.models import Attachment, Channel, Complaint, ComplaintEvent, SlaTarget
from complaints.services import complaint_add_note, complaint_dispatch, complaint_respond
from customers.models import AcquisitionChannel, Customer, CustomerPhone
from tests.factories import image_bytes

pytestmark = pytest.mark.django_db

SUBMIT = reverse("public:submit")
TRACK = reverse("public:track")


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


def test_submit_creates_an_online_customer_and_a_web_form_complaint_with_a_running_clock(
    client, project, leak
):
    response = client.post(SUBMIT, form_data(project, leak))

    assert response.status_code == 302 and response.url == reverse("public:submitted")
    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.WEB_FORM and complaint.received_by is None
    assert complaint.project == project and complaint.title == "卫生间天花板漏水"
    assert complaint.sla_target == SlaTarget.FIRST_RESPONSE
    assert complaint.first_response_due_at is not None and complaint.sla_next_check_at is not None
    customer = complaint.customer
    assert customer.name == "李娜" and customer.acquisition_channel == AcquisitionChannel.ONLINE
    assert customer.city_company == project.city_company and customer.registered_project == project
    assert list(customer.phones.values_list("number", "is_primary")) == [("13900001234", True)]
    page = client.get(response.url)
    assert complaint.number in page.content.decode()
    assert f"{TRACK}?number={complaint.number}" in page.content.decode()


def test_an_existing_customer_is_found_by_phone_and_the_unit_by_its_code(client, project, leak, owner):
    client.post(SUBMIT, form_data(project, leak, name="张先生", phone="13812345678", unit_text="3栋1单元502"))

    complaint = Complaint.objects.get()
    assert complaint.customer == owner
    assert complaint.unit.code == "3-1-502"
    assert Customer.objects.count() == 1 and CustomerPhone.objects.count() == 1


def test_the_same_phone_in_another_city_company_is_a_new_customer(client, other_project, leak, owner):
    client.post(SUBMIT, form_data(other_project, leak, phone="13812345678"))

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


def test_form_errors_do_not_use_up_the_allowance(client, project, leak, settings):
    settings.PUBLIC_COMPLAINT_RATE = "1/h"
    for _ in range(3):
        assert client.post(SUBMIT, form_data(project, leak, phone="1")).status_code == 200
    assert client.post(SUBMIT, form_data(project, leak)).status_code == 302


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
