import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
application = get_wsgi_application()


def _load_everything_now() -> None:
    """Import the URLconf (and with it every view module) and build the template engines while the
    worker starts, not inside its first requests: under load (make load) a fresh gunicorn worker's
    first page otherwise took seconds, and requests queued behind it."""
    from django.template import engines
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the property imports the URL modules)
    engines.all()


_load_everything_now()
