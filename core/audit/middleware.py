"""django-auditlog's middleware (the request's user on the entries written during the request), with
the client's address taken as core.middleware.TrustedProxyMiddleware settled it: the library would
believe the left end of X-Forwarded-For, which the client writes itself."""

from auditlog.middleware import AuditlogMiddleware


class AuditActorMiddleware(AuditlogMiddleware):
    @staticmethod
    def _get_remote_addr(request):
        return request.META.get("REMOTE_ADDR") or None

    @staticmethod
    def _get_remote_port(request):
        return None
