"""Admin building blocks every app uses (read-only and scoped admins), the working calendar's
overrides (next year's statutory schedule, 节假日安排), the outbox with its failed messages, and the
integrations' webhook endpoints with their deliveries (replayable)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .audit import admin as audit_admin  # noqa: F401  (the trail's scoped log entry list)
from .masking import mask_personal_numbers, mask_recipient
from .models import CalendarDay, OutboxMessage, WebhookDelivery, WebhookEndpoint, may_manage_calendar
from .models.webhooks import new_signing_secret
from .outbox import messages_resend
from .webhooks import webhook_events, webhooks_replay


class NoWritesMixin:
    """Rows written only by the services: listed and opened in the admin, never changed there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoWritesMixin, admin.ModelAdmin):
    pass


class ScopedAdmin(admin.ModelAdmin):
    """An admin that shows only what the user may see in the app, and 404s on the rest.

    Scoping is the model's `visible_to(user)`, the same rule as views and API; the group
    administrator's scope is unrestricted. Foreign-key choices are scoped the same way.
    Writes go through services: their ValidationError comes back as a message on the form page.
    """

    def scope_queryset(self, request, queryset):
        return queryset.visible_to(request.user)

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Out of scope and missing look the same: a 404, never "perhaps it was deleted".
            raise Http404(_("No such record."))
        return obj

    def _scoped_choices(self, request, model):
        queryset = model._default_manager.all()
        return queryset.visible_to(request.user) if hasattr(queryset, "visible_to") else queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self._scoped_choices(request, db_field.related_model)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self._scoped_choices(request, db_field.related_model)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @staticmethod
    def stored(obj):
        """The row as stored: the admin's form has already written its values onto `obj`."""
        return type(obj)._default_manager.get(pk=obj.pk)

    @staticmethod
    def adopt(obj, saved) -> None:
        """Make the admin's `obj` the instance the service saved (pk, derived fields, version)."""
        obj.__dict__.update(saved.__dict__)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # The service refused (stale version, duplicate, rule); the transaction rolled back.
            for message in error.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "created_by")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"
    fields = ("date", "kind", "name", "created_by", "created_at", "updated_at")
    readonly_fields = ("created_by", "created_at", "updated_at")
    list_select_related = ("created_by",)

    @admin.display(description=CalendarDay._meta.get_field("date").verbose_name)
    def weekday(self, obj: CalendarDay) -> str:
        return obj.date.strftime("%a")

    def _may_manage(self, request) -> bool:
        return may_manage_calendar(request.user)

    def has_module_permission(self, request):
        return self._may_manage(request)

    def has_view_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_add_permission(self, request):
        return self._may_manage(request)

    def has_change_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_manage(request)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class SendingQueueAdmin(admin.ModelAdmin):
    """A queue of things sent (outbox messages, webhook deliveries): read-only rows, never added or
    deleted here; "change" is the right to send the chosen ones again, an action of the list."""

    @admin.display(description=_("last error"))
    def error(self, row) -> str:
        return row.last_error[:80]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(SendingQueueAdmin):
    """Every message, read-only; failed ones can be sent again (back to the queue, attempts reset)."""

    list_display = (
        "id",
        "created_at",
        "channel",
        "kind",
        "to",
        "recipient_user",
        "status",
        "attempts",
        "sent_at",
        "error",
    )
    list_filter = ("status", "channel", "kind")
    list_select_related = ("recipient_user",)
    search_fields = ("=idempotency_key", "kind")
    # The table grows with every message: no COUNT(*) of all of it on each page.
    show_full_result_count = False
    actions = ["resend"]
    fields = (
        "channel",
        "to",
        "recipient_user",
        "kind",
        "subject",
        "text",
        "template_code",
        "parameters",
        "idempotency_key",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "provider_message_id",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields

    @admin.display(description=_("recipient"))
    def to(self, message: OutboxMessage) -> str:
        # Masked: the admin is no way around the personal-data reveal log.
        return mask_recipient(message.channel, message.recipient)

    @admin.display(description=_("text"))
    def text(self, message: OutboxMessage) -> str:
        # Masked: a message to an owner may hold their own number, and the admin is no way around the reveal log.
        return _("(a one-time code: not shown)") if message.is_secret else mask_personal_numbers(message.body)

    @admin.display(description=_("template parameters"))
    def parameters(self, message: OutboxMessage):
        # A one-time code's template carries the code too.
        if message.is_secret:
            return _("(a one-time code: not shown)")
        return {
            key: mask_personal_numbers(value) if isinstance(value, str) else value
            for key, value in (message.template_params or {}).items()
        }

    @admin.action(description=_("Send the selected failed messages again"), permissions=["change"])
    def resend(self, request, queryset):
        count = messages_resend(
            ids=queryset.filter(status=OutboxMessage.Status.FAILED).values_list("pk", flat=True)
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d message is back in the queue.", "%(count)d messages are back in the queue.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"), choices=(), widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("name", "url", "events", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = list(webhook_events().items())

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("https://", "http://")):
            raise ValidationError(_("Enter an http:// or https:// address."))
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """An integration's subscription. Its signing secret is made on creation and shown here, for the
    receiver's configuration; "rotate secret" makes a new one (the receiver must take it at once)."""

    form = WebhookEndpointForm
    list_display = ("name", "url", "event_list", "is_active", "created_at")
    list_filter = ("is_active",)
    readonly_fields = ("signing_secret", "created_at")
    actions = ["rotate_secret"]

    def get_fields(self, request, obj=None):
        return ("name", "url", "events", "is_active", *(("signing_secret", "created_at") if obj else ()))

    @admin.display(description=_("events"))
    def event_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events or [])

    @admin.display(description=_("signing secret"))
    def signing_secret(self, endpoint: WebhookEndpoint) -> str:
        return endpoint.secret

    @admin.action(description=_("Make a new signing secret"), permissions=["change"])
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            endpoint.secret = new_signing_secret()
            endpoint.save(update_fields=["secret"])
        self.message_user(request, _("New secrets made: give them to the receivers."), messages.WARNING)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SendingQueueAdmin):
    """Every delivery with its status, attempts and last error; any can be sent again (replay)."""

    list_display = (
        "id",
        "created_at",
        "endpoint",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "delivered_at",
        "error",
    )
    list_filter = ("status", "event", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("=delivery_id", "=event_key")
    show_full_result_count = False
    actions = ["replay"]
    fields = (
        "endpoint",
        "event",
        "event_key",
        "delivery_id",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
    )
    readonly_fields = fields

    @admin.action(description=_("Deliver the selected again (replay)"), permissions=["change"])
    def replay(self, request, queryset):
        count = webhooks_replay(queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery is back in the queue.",
                "%(count)d deliveries are back in the queue.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
