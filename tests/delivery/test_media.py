"""Uploads are served only to users who may see the record they belong to."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints.services import attachment_add
from delivery.services.defects import defect_record
from tests.complaints.conftest import leak, make_complaint, seeded_categories  # noqa: F401 - fixtures
from tests.factories import UserFactory, image_bytes

JPEG = image_bytes()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def defect_photo(seeded_checklist, owned_unit, engineer, contractor):
    defect = defect_record(
        by=engineer,
        unit=owned_unit,
        room="kitchen",
        trade="plumbing_electrical",
        severity="normal",
        description="厨房水槽下方渗水",
        contractor=contractor,
        photos=[SimpleUploadedFile("leak.jpg", JPEG, content_type="image/jpeg")],
    )
    return defect.photos.get()


def url_of(field_file) -> str:
    return reverse("media", args=[field_file.name])


def test_the_url_of_an_upload_is_the_scoped_view(defect_photo):
    assert defect_photo.image.url == url_of(defect_photo.image)


def test_staff_of_the_project_and_the_responsible_contractor_get_the_photo(
    client, defect_photo, agent, contractor_user
):
    stored = defect_photo.image.read()
    for user in (agent, contractor_user):
        client.force_login(user)
        response = client.get(url_of(defect_photo.image))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == stored
        assert response["Content-Type"] == "image/jpeg"
        assert "private" in response["Cache-Control"]


def test_another_city_and_another_contractor_get_404(
    client, defect_photo, other_agent, other_contractor_user
):
    for user in (other_agent, other_contractor_user):
        client.force_login(user)
        assert client.get(url_of(defect_photo.image)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, defect_photo):
    response = client.get(url_of(defect_photo.image))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_complaint_attachments_follow_the_complaint_scope(client, make_complaint, agent, other_agent):  # noqa: F811
    complaint = make_complaint()
    attachment = attachment_add(
        complaint=complaint,
        by=agent,
        upload=SimpleUploadedFile("photo.jpg", JPEG, content_type="image/jpeg"),
    )
    client.force_login(agent)
    assert client.get(url_of(attachment.file)).status_code == 200
    client.force_login(other_agent)
    assert client.get(url_of(attachment.file)).status_code == 404


def test_unknown_folders_files_no_row_owns_and_escapes_are_404(client, defect_photo, tmp_path):
    (tmp_path / "secret.txt").write_text("x")
    admin = UserFactory(username="root", role="group_admin")
    client.force_login(admin)
    assert client.get(url_of(defect_photo.image)).status_code == 200
    assert client.get(reverse("media", args=["secret.txt"])).status_code == 404
    assert client.get(reverse("media", args=["defects/2026/11/not-a-row.jpg"])).status_code == 404
    assert client.get("/media/defects/../../secret.txt").status_code == 404


# --- signatures and floor plans: the owner's handover is the handover team's -------------------


PNG = image_bytes("PNG")


@pytest.fixture
def signed_handover(handover):
    from django.core.files.base import ContentFile

    handover.signature.save("signature.png", ContentFile(PNG), save=True)
    return handover


def test_a_signature_is_served_to_the_handover_team_only(
    client, signed_handover, agent, engineer, contractor_user, project
):
    """A contractor assigned to the project, and department staff there, see no owner's signature."""
    contractor_user.projects.add(project)
    department = UserFactory(
        username="dept", role="department_staff", projects=[project], department="engineering"
    )
    url = url_of(signed_handover.signature)
    stored = signed_handover.signature.read()
    for user in (agent, engineer):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == stored
    for user in (contractor_user, department):
        client.force_login(user)
        assert client.get(url).status_code == 404, user.role


def test_a_contractor_sees_the_floor_plans_of_projects_with_their_defects_only(
    client, defect_photo, contractor_user, other_contractor_user, project, other_project, agent
):
    from django.core.files.base import ContentFile

    from delivery.models import FloorPlan

    here = FloorPlan(project=project, layout="3室2厅2卫")
    here.image.save("here.png", ContentFile(PNG), save=True)
    elsewhere = FloorPlan(project=other_project, layout="3室2厅2卫")
    elsewhere.image.save("elsewhere.png", ContentFile(PNG), save=True)
    client.force_login(contractor_user)  # defect_photo's defect is theirs, in `project`
    assert client.get(url_of(here.image)).status_code == 200
    assert client.get(url_of(elsewhere.image)).status_code == 404
    client.force_login(other_contractor_user)  # no defects anywhere
    assert client.get(url_of(here.image)).status_code == 404
    client.force_login(agent)
    assert client.get(url_of(here.image)).status_code == 200
    assert client.get(url_of(elsewhere.image)).status_code == 404


def test_department_staff_get_no_defect_photos(client, defect_photo, project):
    department = UserFactory(
        username="dept", role="department_staff", projects=[project], department="engineering"
    )
    client.force_login(department)
    assert client.get(url_of(defect_photo.image)).status_code == 404


# --- finding 10.1: a stored file never acts as a page on the CRM's origin ----------------------------


def test_finding_10_1_media_responses_carry_nosniff_and_a_sandboxing_csp(client, defect_photo, agent):
    client.force_login(agent)
    response = client.get(url_of(defect_photo.image))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "script-src" not in policy
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")  # photos open in the browser


def test_finding_10_1_a_pdf_attachment_is_served_as_a_download_under_its_display_name(
    client,
    make_complaint,  # noqa: F811
    agent,
):
    attachment = attachment_add(
        complaint=make_complaint(),
        by=agent,
        upload=SimpleUploadedFile("维修报价.pdf", b"%PDF-1.7\n" + b"0" * 200, content_type="text/html"),
    )
    client.force_login(agent)
    response = client.get(url_of(attachment.file))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%E7%BB%B4%E4%BF%AE%E6%8A%A5%E4%BB%B7.pdf" in response["Content-Disposition"]
    assert (
        response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    )


def test_finding_10_1_a_page_stored_before_the_fix_is_served_as_an_inert_download(
    client,
    make_complaint,  # noqa: F811
    agent,
    tmp_path,
):
    from complaints.models import Attachment

    complaint = make_complaint()
    name = f"complaints/{complaint.pk}/20250101120000-x.html"
    (tmp_path / name).parent.mkdir(parents=True)
    (tmp_path / name).write_bytes(b"<script>alert(1)</script>")
    Attachment.objects.create(
        complaint=complaint, file=name, original_name="x.html", content_type="image/jpeg", size=25
    )
    client.force_login(agent)
    response = client.get(reverse("media", args=[name]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="x.bin"'
    assert "sandbox" in response["Content-Security-Policy"]
