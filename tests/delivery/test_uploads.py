# ruff: noqa: F811 - the shared fixtures are imported from test_rectification_services by name
"""Finding 10.1: a contractor uploaded an HTML page as a defect photo (`photos=@x.html;type=image/jpeg`);
opened from the staff page, its script read customers' phone and ID numbers. Defect photos (service,
page, API), handover signatures and floor plans are now judged by their content (core.uploads)."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from delivery.models import DefectPhoto, FloorPlan
from delivery.services import rectification as services
from tests.api import client_for
from tests.delivery.test_admin import group_admin_user  # noqa: F401 - fixture
from tests.delivery.test_inspection_services import sign_off
from tests.delivery.test_rectification_services import (  # noqa: F401 - fixtures
    _media,
    issued,
    make_defect,
)
from tests.factories import image_bytes

pytestmark = pytest.mark.django_db

HTML = b"<!doctype html><script>fetch('/api/v1/customers/1/reveal/', {method: 'POST'})</script>"
GPS_IFD = 0x8825


def html_as_jpeg() -> SimpleUploadedFile:
    return SimpleUploadedFile("x.html", HTML, content_type="image/jpeg")


def test_finding_10_1_html_declared_as_jpeg_is_refused_as_a_defect_photo_by_the_service(
    issued, contractor_user, make_defect
):
    with pytest.raises(ValidationError) as error:
        services.defect_progress(by=contractor_user, defect=issued, note="已开工", photos=[html_as_jpeg()])
    assert "photos" in error.value.message_dict
    with pytest.raises(ValidationError):
        make_defect(photos=[html_as_jpeg()])
    assert DefectPhoto.objects.filter(defect=issued).count() == 1  # the one it was recorded with


def test_finding_10_1_html_declared_as_jpeg_is_refused_on_the_defect_page(client, issued, contractor_user):
    client.force_login(contractor_user)
    response = client.post(
        reverse("delivery:defect-action", args=[issued.pk, "progress"]),
        {"version": issued.version, "note": "已开工", "photos": [html_as_jpeg()]},
    )
    assert response.status_code == 400
    assert "x.html" in response.content.decode()
    assert DefectPhoto.objects.filter(defect=issued).count() == 1


def test_finding_10_1_html_declared_as_jpeg_is_refused_by_the_api(issued, contractor_user):
    response = client_for(contractor_user).post(
        f"/api/v1/defects/{issued.pk}/photos/",
        {"photos": [html_as_jpeg()], "note": "已开工"},
        format="multipart",
    )
    assert response.status_code == 400 and "photos" in response.json()
    svg = SimpleUploadedFile(
        "x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', content_type="image/svg+xml"
    )
    response = client_for(contractor_user).post(
        f"/api/v1/defects/{issued.pk}/photos/", {"photos": [svg], "note": "已开工"}, format="multipart"
    )
    assert response.status_code == 400 and "photos" in response.json()
    assert DefectPhoto.objects.filter(defect=issued).count() == 1


def test_finding_10_1_a_defect_photo_is_stored_re_encoded_without_gps_under_a_generated_name(
    issued, contractor_user
):
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (22.0, 32.0, 10.0)}
    upload = SimpleUploadedFile("现场.jpg", image_bytes(exif=exif), content_type="application/octet-stream")
    services.defect_progress(by=contractor_user, defect=issued, note="已开工", photos=[upload])

    photo = DefectPhoto.objects.get(defect=issued, stage=DefectPhoto.Stage.PROGRESS)
    assert re.fullmatch(r"defects/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", photo.image.name)
    assert photo.content_type == "image/jpeg" and photo.size == photo.image.size
    stored = Image.open(io.BytesIO(photo.image.read()))
    assert not stored.getexif().get(GPS_IFD)


def test_finding_10_1_a_page_is_refused_as_a_signature(handover, engineer):
    with pytest.raises(ValidationError) as error:
        sign_off(handover, engineer, signature=SimpleUploadedFile("signature.png", HTML, "image/png"))
    assert error.value.message_dict["signature"] == ["The signature must be a PNG image."]


def test_finding_10_1_a_floor_plan_is_judged_by_its_content_in_the_admin(client, project, group_admin_user):
    client.force_login(group_admin_user)
    url = reverse("admin:delivery_floorplan_add")
    svg = SimpleUploadedFile("plan.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/png")

    refused = client.post(url, {"project": project.pk, "layout": "2室2厅1卫", "image": svg})
    assert refused.status_code == 200 and "image" in refused.context["adminform"].form.errors
    assert not FloorPlan.objects.exists()

    plan = SimpleUploadedFile("plan.html", image_bytes("PNG"), "text/html")
    response = client.post(url, {"project": project.pk, "layout": "2室2厅1卫", "image": plan})
    assert response.status_code == 302
    assert re.fullmatch(r"floor_plans/\d{4}/[0-9a-f]{32}\.png", FloorPlan.objects.get().image.name)
