import logging

from django.conf import settings
from django.db import IntegrityError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from .validators import NUL, has_control_characters

logger = logging.getLogger(__name__)


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
    block has already rolled the write back; the API has the same rule in crm.api."""

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
    Forms check their own single-line fields too (crm.validators) and say which field is wrong."""

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
