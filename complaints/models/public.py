"""The one-time codes that confirm the phone typed on the public complaint form."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PublicPhoneCode(models.Model):
    """A one-time code sent by SMS to the phone typed on the public form: entered with the complaint,
    it proves the phone is the reporter's, and only then is the complaint put on that phone's
    customer record. Stored as a keyed hash; 10 minutes, 5 tries, used once."""

    phone = models.CharField(_("mobile phone"), max_length=20)
    code_hash = models.CharField(_("code (keyed hash)"), max_length=64)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("requested from"), null=True, blank=True)

    class Meta:
        verbose_name = _("public phone code")
        verbose_name_plural = _("public phone codes")
        indexes = [models.Index(fields=["phone", "-created_at"], name="public_code_phone_recent")]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} @ {self.created_at:%Y-%m-%d %H:%M}"
