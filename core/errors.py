"""The 500 handler (crm.urls' handler500): a database that is down or gone away is a 503, not a 500.

Django calls it for any uncaught exception (with DEBUG off) from a view or a middleware, inside the
`except`, so the exception is at hand. An OperationalError or InterfaceError (the database
unreachable, restarting, a dropped connection) answers 503 with Retry-After: the standalone
templates/503.html page (zh-Hans, no traceback, no query), or JSON under /api/. Anything else is the
standalone 500 page (JSON under /api/). The traceback goes to the log and the error reports only.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def _database_down() -> bool:
    return isinstance(sys.exc_info()[1], DATABASE_DOWN)


@requires_csrf_token
def server_error(request):
    down = _database_down()
    status = 503 if down else 500
    if request.path.startswith("/api/"):
        if down:
            detail = _(
                "The service is briefly unavailable (its database does not answer). Try again in a moment."
            )
        else:
            detail = _("Something went wrong on our side. Your data is safe; try again in a moment.")
        response = JsonResponse(
            {"detail": detail, "code": "unavailable" if down else "server_error"}, status=status
        )
    else:
        # No context, no request: the page must render with the database gone.
        body = loader.get_template("503.html" if down else "500.html").render()
        response = HttpResponse(body, status=status)
    if down:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
