"""Finding 10.1: a page uploaded as a photo must never be stored: complaint attachments, work-order photos
and the public complaint form judge every file by its content (core.uploads)."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Contractor, Role
from complaints import services
from complaints.models import Attachment, Complaint, WorkOrderNote
from customers.models import Customer
from tests.api import client_for
from tests.factories import UserFactory, image_bytes

pytestmark = pytest.mark.django_db

API = "/api/v1"
HTML = b"<!doctype html><script>fetch('/api/v1/customers/1/reveal/', {method: 'POST'})</script>"


def html_as_jpeg(name: str = "x.html") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, HTML, content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def complaint(make_complaint):
    return make_complaint()


@pytest.fixture
def builder_user(project):
    builder = Contractor.objects.create(name="中建三局")
    builder.projects.add(project)  # engaged on the project: work orders may go to it
    return UserFactory(username="builder", role=Role.CONTRACTOR, contractor=builder, projects=[project])


@pytest.fixture
def work_order(complaint, supervisor, builder_user):
    services.complaint_dispatch(
        complaint=complaint, by=supervisor, department="engineering", handler=supervisor
    )
    services.complaint_agree_plan(
        complaint=Complaint.objects.get(pk=complaint.pk), by=supervisor, plan="修补"
    )
    order = services.work_order_create(
        complaint=Complaint.objects.get(pk=complaint.pk),
        by=supervisor,
        description="修补防水层",
        due_at=timezone.now() + datetime.timedelta(days=1),
        contractor=builder_user.contractor,
    )
    return services.work_order_accept(work_order=order, by=builder_user)


# --- complaint attachments ------------------------------------------------------------------------


def test_finding_10_1_html_declared_as_jpeg_is_refused_as_a_complaint_attachment(complaint, agent):
    with pytest.raises(ValidationError) as error:
        services.attachment_add(complaint=complaint, by=agent, upload=html_as_jpeg())
    assert "attachments" in error.value.message_dict
    assert not Attachment.objects.exists()


def test_finding_10_1_html_declared_as_jpeg_is_refused_on_the_attachment_page_and_the_api(
    client, complaint, agent, owner, owned_unit, leak
):
    client.force_login(agent)
    response = client.post(
        reverse("complaints:action", args=[complaint.pk, "attachment"]),
        {"file": html_as_jpeg(), "version": complaint.version},
    )
    assert response.status_code == 400
    assert "photos, PDF, Word, audio or video files only" in response.content.decode()

    response = client_for(agent).post(
        f"{API}/complaints/",
        {
            "customer": owner.pk,
            "unit": owned_unit.pk,
            "category": leak.pk,
            "complaint_type": "complaint",
            "channel": "hotline",
            "title": "漏水",
            "description": "卫生间漏水",
            "attachments": [html_as_jpeg()],
        },
        format="multipart",
    )
    assert response.status_code == 400 and "attachments" in response.json()
    assert not Attachment.objects.exists() and Complaint.objects.count() == 1


def test_finding_10_1_an_attachment_is_stored_under_a_generated_name_the_client_name_is_display_text(
    complaint, agent
):
    attachment = services.attachment_add(
        complaint=complaint,
        by=agent,
        upload=SimpleUploadedFile("../卫生间 漏水.jpeg", image_bytes(), content_type="text/html"),
    )
    assert re.fullmatch(rf"complaints/{complaint.pk}/[0-9a-f]{{32}}\.jpg", attachment.file.name)
    assert attachment.original_name == "卫生间 漏水.jpg"
    assert attachment.content_type == "image/jpeg" and attachment.size == attachment.file.size


# --- work-order photos ------------------------------------------------------------------------------


def test_finding_10_1_html_declared_as_jpeg_is_refused_as_a_work_order_photo(
    client, work_order, builder_user
):
    with pytest.raises(ValidationError) as error:
        services.work_order_progress(
            work_order=work_order, by=builder_user, note="已开工", photo=html_as_jpeg()
        )
    assert "photo" in error.value.message_dict

    client.force_login(builder_user)
    response = client.post(
        reverse("complaints:work-order-action", args=[work_order.pk, "progress"]),
        {"note": "已开工", "photo": html_as_jpeg(), "version": work_order.version},
    )
    assert response.status_code == 400

    response = client_for(builder_user).post(
        f"{API}/work-orders/{work_order.pk}/progress/",
        {"note": "已开工", "photo": html_as_jpeg(), "version": work_order.version},
        format="multipart",
    )
    assert response.status_code == 400 and "photo" in response.json()
    assert not WorkOrderNote.objects.exists()


def test_a_work_order_photo_is_stored_re_encoded_under_a_generated_name(work_order, builder_user):
    note = services.work_order_progress(
        work_order=work_order,
        by=builder_user,
        note="已开工",
        photo=SimpleUploadedFile("wall.png", image_bytes("PNG"), content_type="image/jpeg"),
    )
    assert re.fullmatch(r"work_orders/\d{4}/\d{2}/[0-9a-f]{32}\.png", note.photo.name)


# --- the public complaint form (anonymous) -------------------------------------------------------------


@pytest.fixture
def public_form(project, leak):
    cache.clear()  # the form's rate limit counts in the process-wide cache
    yield {
        "name": "李娜",
        "phone": "139 0000 1234",
        "project": project.pk,
        "unit_text": "",
        "complaint_type": "complaint",
        "category": leak.pk,
        "description": "卫生间天花板漏水",
    }
    cache.clear()


def test_finding_10_1_html_declared_as_jpeg_is_refused_on_the_public_form(client, public_form):
    response = client.post(reverse("public:submit"), {**public_form, "photos": [html_as_jpeg("p.jpg")]})
    assert response.status_code == 200
    assert "p.jpg" in " ".join(response.context["form"].errors["photos"])
    assert not Complaint.objects.exists() and not Customer.objects.exists()


def test_the_public_form_takes_photos_only_not_documents(client, public_form):
    pdf = SimpleUploadedFile("x.pdf", b"%PDF-1.7\n" + b"0" * 200, content_type="application/pdf")
    response = client.post(reverse("public:submit"), {**public_form, "photos": [pdf]})
    assert response.status_code == 200 and "photos" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_a_public_photo_is_stored_re_encoded_under_a_generated_name(client, public_form):
    photo = SimpleUploadedFile("x.html", image_bytes(), content_type="text/html")
    response = client.post(reverse("public:submit"), {**public_form, "photos": [photo]})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.file.name.endswith(".jpg") and attachment.original_name == "x.jpg"
    assert attachment.content_type == "image/jpeg"
