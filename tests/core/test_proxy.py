"""Finding 10.12: X-Forwarded-For and X-Forwarded-Proto count only from a configured proxy
(TRUSTED_PROXIES), so rate limits, the login lockout and the access log see the real client."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import PersonalDataAccess
from core.middleware import TrustedProxyMiddleware
from tests.api import client_for
from tests.factories import UserFactory

PROXY = "172.30.71.10"


def seen_by_the_app(settings, proxies, remote_addr, **headers):
    """REMOTE_ADDR and the forwarded headers as the views see them after the middleware."""
    settings.TRUSTED_PROXIES = proxies
    seen = {}

    def view(request):
        seen.update(request.META)
        return HttpResponse()

    TrustedProxyMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers))
    return seen


def test_without_a_proxy_the_peer_is_the_client_and_forwarded_headers_are_dropped(settings):
    seen = seen_by_the_app(
        settings, [], "198.51.100.4", HTTP_X_FORWARDED_FOR="10.9.9.9", HTTP_X_FORWARDED_PROTO="https"
    )

    assert seen["REMOTE_ADDR"] == "198.51.100.4"
    assert "HTTP_X_FORWARDED_FOR" not in seen and "HTTP_X_FORWARDED_PROTO" not in seen


def test_a_request_from_our_proxy_is_the_address_the_proxy_saw(settings):
    # The client wrote 10.9.9.9 itself; nginx appended the address it connected from.
    seen = seen_by_the_app(
        settings, [PROXY], PROXY, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.5", HTTP_X_FORWARDED_PROTO="https"
    )

    assert seen["REMOTE_ADDR"] == "203.0.113.5"
    assert seen["HTTP_X_FORWARDED_PROTO"] == "https"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(settings):
    seen = seen_by_the_app(
        settings, [PROXY, "10.0.0.0/8"], PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5, 10.1.2.3"
    )

    assert seen["REMOTE_ADDR"] == "203.0.113.5"


def test_garbage_in_x_forwarded_for_keeps_the_last_vouched_address(settings):
    seen = seen_by_the_app(settings, [PROXY], PROXY, HTTP_X_FORWARDED_FOR="not-an-address")

    assert seen["REMOTE_ADDR"] == PROXY


def test_an_ipv4_peer_on_a_dual_stack_socket_is_recognised(settings):
    seen = seen_by_the_app(settings, [PROXY], f"::ffff:{PROXY}", HTTP_X_FORWARDED_FOR="203.0.113.5")

    assert seen["REMOTE_ADDR"] == "203.0.113.5"


@pytest.mark.django_db
@pytest.mark.parametrize(("proxies", "logged"), [([], "127.0.0.1"), (["127.0.0.1"], "203.0.113.5")])
def test_finding_10_12_the_access_log_records_the_client_not_a_spoofed_header(
    settings, agent, owner, proxies, logged
):
    settings.TRUSTED_PROXIES = proxies

    response = client_for(agent).post(
        f"/api/v1/customers/{owner.pk}/reveal/",
        {"field": "phone", "reason_code": "callback", "reason": "业主来电回访"},
        format="json",
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )

    assert response.status_code == 200
    assert PersonalDataAccess.objects.get().ip_address == logged


@pytest.mark.django_db
def test_finding_10_12_the_login_lockout_counts_the_client_behind_the_proxy(client, settings, project):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="colleague", projects=[project])
    for _ in range(3):
        client.post(
            reverse("login"), {"username": "x", "password": "bad"}, HTTP_X_FORWARDED_FOR="203.0.113.5"
        )

    locked = client.post(
        reverse("login"),
        {"username": "colleague", "password": "pass-1234"},
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    other = client.post(
        reverse("login"),
        {"username": "colleague", "password": "pass-1234"},
        HTTP_X_FORWARDED_FOR="203.0.113.6",
    )

    assert locked.status_code == 429
    assert other.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(("proxies", "status"), [([], 301), (["127.0.0.1"], 200)])
def test_finding_10_12_x_forwarded_proto_counts_only_from_the_proxy(client, settings, proxies, status):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = proxies

    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == status


@pytest.mark.django_db
def test_the_container_health_check_is_answered_over_plain_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(reverse("login")).status_code == 301
    assert client.get("/healthz").status_code != 301
