from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class StaffTokenAuthentication(TokenAuthentication):
    """DRF token auth that also refuses staff whose employment has ended."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if user.has_left():
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token
