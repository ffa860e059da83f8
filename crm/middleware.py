import logging

from django.conf import settings
from django.db import IntegrityError
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers

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
