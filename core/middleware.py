import functools
import ipaddress
import logging

from django.conf import settings
from django.db import IntegrityError
from django.http import JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from .validators import NUL, has_control_characters

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Headers a proxy writes; from anyone but our own proxies they are dropped before any code reads them.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


# Who an unknown client counts as: a peer without a usable address (REMOTE_ADDR empty behind a
# unix-socket gunicorn without TRUSTED_PROXIES, or not an address at all). Such clients share one
# rate-limit bucket, which errs on the side of limiting; django-ratelimit would fail with a 500 on ''.
UNKNOWN_CLIENT = "0.0.0.0"  # nosec B104  # a placeholder address, nothing binds to it


def client_ip(request) -> str:
    """The client's address as TrustedProxyMiddleware settled it: what rate limits and the login
    lockout (django-axes) count by. Always an address (UNKNOWN_CLIENT when there is none)."""
    address = _address(request.META.get("REMOTE_ADDR") or "")
    return str(address) if address is not None else UNKNOWN_CLIENT


@functools.cache
def _networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies)


def _address(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped  # a dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d
    return address


def _is_proxy(address: IPAddress | None, proxies: tuple[IPNetwork, ...]) -> bool:
    return address is not None and any(address in network for network in proxies)


class TrustedProxyMiddleware:
    """REMOTE_ADDR becomes the real client's address; X-Forwarded-* count only from our own proxies.

    Without TRUSTED_PROXIES the peer is the client and any X-Forwarded-* it sent is dropped, so
    neither a spoofed X-Forwarded-For (rate limits, login lockout, access log) nor X-Forwarded-Proto
    (SECURE_PROXY_SSL_HEADER) is believed. From a trusted proxy, X-Forwarded-For is read from the
    right, where each proxy appends the address it saw: the first address that is not one of our
    proxies is the client; whatever lies left of it the client wrote itself.

    An empty REMOTE_ADDR is a unix-socket peer (gunicorn bound to a socket): only a process on this
    machine can connect there, so with TRUSTED_PROXIES set it is our local proxy and its
    X-Forwarded-For is read the same way. Without any, REMOTE_ADDR stays empty (client_ip() then
    counts the request as UNKNOWN_CLIENT).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        proxies = _networks(tuple(settings.TRUSTED_PROXIES))
        remote_addr = meta.get("REMOTE_ADDR") or ""
        peer = _address(remote_addr)
        if proxies and not remote_addr:
            client = self._client_behind_socket(meta.get("HTTP_X_FORWARDED_FOR", ""), proxies)
            meta["REMOTE_ADDR"] = str(client) if client is not None else ""
        elif _is_proxy(peer, proxies):
            meta["REMOTE_ADDR"] = str(
                self._client_behind(peer, meta.get("HTTP_X_FORWARDED_FOR", ""), proxies)
            )
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)

    @staticmethod
    def _client_behind(peer: IPAddress, forwarded_for: str, proxies: tuple[IPNetwork, ...]) -> IPAddress:
        client = peer
        for hop in reversed(forwarded_for.split(",")):
            if not _is_proxy(client, proxies):
                break
            address = _address(hop)
            if address is None:
                break  # not an address: keep the last one a proxy of ours vouched for
            client = address
        return client

    @classmethod
    def _client_behind_socket(cls, forwarded_for: str, proxies: tuple[IPNetwork, ...]) -> IPAddress | None:
        """The client behind our local proxy on a unix socket: the last address it appended, walked on
        to the left through our other proxies. None when it appended no address."""
        hops = forwarded_for.split(",")
        nearest = _address(hops[-1])
        if nearest is None:
            return None
        return cls._client_behind(nearest, ",".join(hops[:-1]), proxies)


class RequestSizeLimitMiddleware:
    """A request announcing a body over the limit gets 413 before a byte of that body is read.

    The limit is MAX_REQUEST_BYTES, and PUBLIC_MAX_REQUEST_BYTES on the pages open without a login
    (PUBLIC_PATH_PREFIXES). It reads only the Content-Length header: Django reads no body without
    one, and the web server in front (nginx: client_max_body_size) enforces the same limits.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        public = request.path_info.startswith(tuple(settings.PUBLIC_PATH_PREFIXES))
        limit = settings.PUBLIC_MAX_REQUEST_BYTES if public else settings.MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body without a valid length either
        if length <= limit:
            return self.get_response(request)
        logger.warning("Refused a %d-byte request to %s (limit %d)", length, request.path_info, limit)
        message = _("The request is too large: at most %(limit)s may be sent at once.") % {
            "limit": filesizeformat(limit)
        }
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=413)
        return render(request, "413.html", {"message": message, "public": public}, status=413)


class UILanguageMiddleware:
    """The UI speaks zh-Hans unless the user picked another language with the switch.

    Unlike Django's LocaleMiddleware it ignores the browser's Accept-Language: the centre's
    language is Chinese even on a machine installed in English. The switch sets the cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class DataConflictMiddleware:
    """A write that lost a race at the database (a row merged or deleted meanwhile, a duplicate saved
    a moment earlier) answers 409 with a page saying to reload, never a 500. The service's atomic
    block has already rolled the write back; the API has the same rule in core.api."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, IntegrityError):
            return None
        logger.warning("Write refused by the database on %s: %s", request.path, exception)
        return render(request, "409.html", status=409)


FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class UnreadableInputMiddleware:
    """A NUL byte in any query parameter or form field, or another control character in a query
    parameter, answers 400 before a view runs: PostgreSQL refuses NUL in text, so it would otherwise
    be a 500 wherever the value reaches a query (a search, a filter, a form). The API answers JSON.
    Forms check their own single-line fields too (core.validators) and say which field is wrong."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._unreadable(request):
            logger.info("Refused a request with control characters on %s", request.path)
            message = _(
                "The request carried a control character (such as a NUL byte); remove it and try again."
            )
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)

    @staticmethod
    def _unreadable(request) -> bool:
        for key, values in request.GET.lists():
            if has_control_characters(key) or any(has_control_characters(value) for value in values):
                return True
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            for key, values in request.POST.lists():
                if NUL in key or any(NUL in value for value in values):
                    return True
        return False
