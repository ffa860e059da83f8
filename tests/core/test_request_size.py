"""Finding 10.5: a request announcing a body over the limit is answered 413 before its body is read.

The test client's body is a FakePayload that fails loudly if more is read than it holds: these
requests announce megabytes and carry a few bytes, so any read of the body would break the test.
"""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from complaints.models import Complaint
from core.middleware import RequestSizeLimitMiddleware

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def passes(path: str, length: str) -> bool:
    """Whether the middleware lets a request announcing `length` bytes through to the view."""
    request = RequestFactory().post(path, data=b"x", content_type="application/octet-stream")
    request.META["CONTENT_LENGTH"] = length
    return RequestSizeLimitMiddleware(lambda request: HttpResponse())(request).status_code == 200


def test_finding_10_5_an_oversized_public_submission_gets_a_413_page_and_files_nothing(client):
    response = client.post(
        "/public/",
        data=b"name=x",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(11 * MB),
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert "Too large" in page and "10.0\xa0MB" in page
    assert "/public/" in page  # back to the form, not to a staff page
    assert not Complaint.objects.exists()


def test_finding_10_5_an_oversized_api_upload_gets_a_json_413(client, agent):
    client.force_login(agent)

    response = client.post(
        "/api/v1/defects/", data=b"{}", content_type="application/json", CONTENT_LENGTH=str(26 * MB)
    )

    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_staff_pages_take_more_than_the_public_ones(settings):
    assert passes("/handover/defects/new/", str(12 * MB))
    assert not passes("/public/", str(12 * MB))
    assert not passes("/handover/book/00000000-0000-4000-8000-000000000000/", str(12 * MB))
    assert not passes("/handover/defects/new/", str(26 * MB))


def test_the_limits_come_from_the_settings(settings):
    settings.MAX_REQUEST_BYTES = 1 * MB

    assert passes("/complaints/", str(MB))
    assert not passes("/complaints/", str(MB + 1))


def test_a_missing_or_unreadable_length_is_no_body(settings):
    assert passes("/public/", "")
    assert passes("/public/", "lots")
