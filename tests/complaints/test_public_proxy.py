"""Finding 10.12: the public form's rate limit counts the client, not what X-Forwarded-For claims,
unless the request comes through the configured proxy (TRUSTED_PROXIES)."""

import pytest
from django.core.cache import cache

from tests.complaints.test_public import SUBMIT, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_finding_10_12_a_spoofed_x_forwarded_for_does_not_escape_the_rate_limit(
    client, project, leak, settings
):
    settings.PUBLIC_COMPLAINT_RATE = "2/h"
    for n in range(2):
        assert (
            client.post(SUBMIT, form_data(project, leak), HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code
            == 302
        )

    response = client.post(SUBMIT, form_data(project, leak), HTTP_X_FORWARDED_FOR="10.0.0.99")

    assert response.status_code == 429


def test_behind_the_configured_proxy_each_client_has_its_own_allowance(client, project, leak, settings):
    settings.PUBLIC_COMPLAINT_RATE = "2/h"
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's REMOTE_ADDR plays the proxy
    for _ in range(2):
        assert (
            client.post(SUBMIT, form_data(project, leak), HTTP_X_FORWARDED_FOR="203.0.113.5").status_code
            == 302
        )

    assert (
        client.post(SUBMIT, form_data(project, leak), HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    )
    assert (
        client.post(SUBMIT, form_data(project, leak), HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 302
    )
