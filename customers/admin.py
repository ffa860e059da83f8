"""Customers, households and contracts in the admin: scoped like the app, personal data masked.

Phones and ID numbers never appear in clear here; the clear value is only for
accounts.services.personal_data_reveal (it asks a reason and logs the access).
Every write goes through customers.services.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import is_group_admin
from accounts.models import PersonalDataAccess
from core.admin import ReadOnlyAdmin, ScopedAdmin
from core.audit.admin import AuditHistoryAdminMixin

from .models import (
    Contract,
    Customer,
    CustomerAnonymisation,
    CustomerConsent,
    CustomerMerge,
    CustomerPhone,
    HouseholdLink,
    HouseholdMember,
    pii_hash_candidates,
)
from .selectors import classify_query
from .services import (
    CONTRACT_FIELDS,
    CUSTOMER_FIELDS,
    contract_create,
    contract_update,
    customer_create,
    customer_update,
    household_member_add,
    household_member_remove,
)


class VersionedForm(forms.ModelForm):
    """Carries the version the editor loaded, so that the service can refuse a stale save."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version


class CustomerAdminForm(VersionedForm):
    class Meta:
        model = Customer
        fields = CUSTOMER_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "id_number" in self.fields:
            # Write-only: a new number may be typed, the stored one is never sent to the browser.
            self.fields["id_number"].widget = forms.PasswordInput(render_value=False)
            self.fields["id_number"].help_text = _("Stored: %(masked)s. Leave blank to keep it.") % {
                "masked": self.instance.id_number_masked or "—"
            }
            self.initial["id_number"] = ""

    def clean_id_number(self):
        return self.cleaned_data.get("id_number") or self.instance.id_number


class CustomerPhoneInline(admin.TabularInline):
    model = CustomerPhone
    fields = ("masked", "is_primary", "label")
    readonly_fields = ("masked", "is_primary", "label")
    extra = 0
    can_delete = False
    show_change_link = False

    @admin.display(description=_("mobile number"))
    def masked(self, phone):
        return phone.masked

    def has_add_permission(self, request, obj=None):
        return False  # phones are edited with the customer in the app (customer_update)

    def has_change_permission(self, request, obj=None):
        return False


class HouseholdInline(admin.TabularInline):
    model = HouseholdMember
    fields = ("unit", "role", "since")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit", "unit__project")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(AuditHistoryAdminMixin, ScopedAdmin):
    form = CustomerAdminForm
    list_display = (
        "name",
        "city_company",
        "registered_project",
        "phone_masked",
        "id_number_masked",
        "acquisition_channel",
        "created_at",
    )
    list_filter = (
        ("city_company", admin.RelatedOnlyFieldListFilter),
        ("registered_project", admin.RelatedOnlyFieldListFilter),
        "acquisition_channel",
        "gender",
        "education",
    )
    search_fields = ("name", "=phones__last4", "=phones__number", "email")
    list_select_related = ("city_company", "registered_project")
    autocomplete_fields = ("referrer",)
    readonly_fields = ("id_number_masked", "version", "created_at", "updated_at")
    inlines = (CustomerPhoneInline, HouseholdInline)
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("phones")

    def get_exclude(self, request, obj=None):
        # Only the group administrator may type an ID number here; nobody reads one back.
        return () if is_group_admin(request.user) else ("id_number",)

    def get_search_results(self, request, queryset, search_term):
        query = classify_query(search_term)
        if query.kind == "id_number":
            # ID numbers are encrypted: an exact search compares keyed hashes.
            return queryset.filter(id_number_hash__in=pii_hash_candidates(query.text)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("phone"))
    def phone_masked(self, customer):
        phone = customer.primary_phone
        return phone.masked if phone else ""

    def save_model(self, request, obj, form, change):
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data if name in CUSTOMER_FIELDS}
            stored = self.stored(obj)
            updated = customer_update(
                customer=stored,
                by=request.user,
                expected_version=form.cleaned_data.get("expected_version") or stored.version,
                **fields,
            )
            self.adopt(obj, updated)
        else:
            fields = {name: form.cleaned_data[name] for name in CUSTOMER_FIELDS if name in form.cleaned_data}
            created = customer_create(by=request.user, **fields)
            self.adopt(obj, created)


@admin.register(CustomerPhone)
class CustomerPhoneAdmin(ReadOnlyAdmin, ScopedAdmin):
    """Read-only list of phones, masked; search by the last four digits (尾号) or the full number."""

    list_display = ("masked", "customer", "is_primary", "label")
    fields = ("customer", "masked", "is_primary", "label")
    readonly_fields = fields
    search_fields = ("=last4", "=number", "customer__name")
    list_filter = ("is_primary",)
    list_select_related = ("customer",)

    def scope_queryset(self, request, queryset):
        return queryset.filter(customer__in=Customer.objects.visible_to(request.user).values("pk"))

    @admin.display(description=_("mobile number"))
    def masked(self, phone):
        return phone.masked


@admin.register(CustomerMerge)
class CustomerMergeAdmin(ReadOnlyAdmin, ScopedAdmin):
    """The merge log (合并客户), read-only: which record went into which, who merged, what moved."""

    list_display = ("duplicate_name", "duplicate_id", "survivor", "merged_by", "merged_at")
    fields = (
        "survivor",
        "duplicate_id",
        "duplicate_name",
        "duplicate_id_number_masked",
        "moved",
        "merged_by",
        "merged_at",
    )
    readonly_fields = fields
    search_fields = ("duplicate_name", "=duplicate_id", "survivor__name")
    list_select_related = ("survivor", "merged_by")
    date_hierarchy = "merged_at"

    def scope_queryset(self, request, queryset):
        return queryset.filter(survivor__in=Customer.objects.visible_to(request.user).values("pk"))


@admin.register(HouseholdLink)
class HouseholdLinkAdmin(ReadOnlyAdmin, ScopedAdmin):
    """The log of customers linked into a household from elsewhere (关联客户): who, where, why."""

    list_display = ("customer", "unit", "role", "widened_scope", "linked_by", "linked_at")
    fields = ("customer", "unit", "role", "reason", "widened_scope", "linked_by", "linked_at")
    readonly_fields = fields
    list_filter = ("widened_scope",)
    search_fields = ("customer__name", "=unit__code", "linked_by__username")
    list_select_related = ("customer", "unit", "unit__project", "linked_by")
    date_hierarchy = "linked_at"

    def scope_queryset(self, request, queryset):
        scope = request.user.scope
        if not request.user.may_see_customers():
            return queryset.none()
        if scope.is_unrestricted:
            return queryset
        return queryset.filter(unit__project_id__in=scope.project_ids)


@admin.register(HouseholdMember)
class HouseholdMemberAdmin(ScopedAdmin):
    list_display = ("unit", "customer", "role", "since")
    list_filter = ("role", ("unit__project", admin.RelatedOnlyFieldListFilter))
    search_fields = ("=unit__code", "unit__project__name", "customer__name")
    list_select_related = ("unit", "unit__project", "customer")
    autocomplete_fields = ("unit", "customer")

    def has_change_permission(self, request, obj=None):
        # A change of role is a remove and an add: each checked by its service.
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        member = household_member_add(
            unit=obj.unit, customer=obj.customer, role=obj.role, since=obj.since, by=request.user
        )
        self.adopt(obj, member)

    def delete_model(self, request, obj):
        household_member_remove(member=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for member in queryset.select_related("unit", "customer"):
            household_member_remove(member=member, by=request.user)


class ContractAdminForm(VersionedForm):
    class Meta:
        model = Contract
        fields = ("unit", "primary_buyer", *CONTRACT_FIELDS, "status")


@admin.register(Contract)
class ContractAdmin(AuditHistoryAdminMixin, ScopedAdmin):
    form = ContractAdminForm
    list_display = (
        "number",
        "unit",
        "primary_buyer",
        "status",
        "signed_on",
        "contractual_handover_on",
        "handed_over_on",
        "price",
    )
    list_filter = ("status", ("unit__project", admin.RelatedOnlyFieldListFilter), "signed_on")
    search_fields = ("=number", "=unit__code", "primary_buyer__name")
    list_select_related = ("unit", "unit__project", "primary_buyer")
    autocomplete_fields = ("unit", "primary_buyer")
    readonly_fields = ("version", "created_at", "updated_at")
    date_hierarchy = "signed_on"

    def get_readonly_fields(self, request, obj=None):
        # Unit and buyer are the contract's identity; a change is a cancellation and a new contract.
        fixed = ("unit", "primary_buyer") if obj is not None else ()
        return (*fixed, *self.readonly_fields)

    def save_model(self, request, obj, form, change):
        editable = {*CONTRACT_FIELDS, "status"}
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data if name in editable}
            stored = self.stored(obj)
            updated = contract_update(
                contract=stored,
                by=request.user,
                expected_version=form.cleaned_data.get("expected_version") or stored.version,
                **fields,
            )
            self.adopt(obj, updated)
        else:
            fields = {name: form.cleaned_data[name] for name in CONTRACT_FIELDS if name in form.cleaned_data}
            created = contract_create(
                unit=obj.unit, primary_buyer=obj.primary_buyer, by=request.user, **fields
            )
            self.adopt(obj, created)


# The reveal log is accounts' record of customers' personal data: registered here, where both are known.
@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """The reveal log (PIPL): readable by those who may, written only by the access-log service. The
    auditor and the group admin read all of it; city heads and supervisors, their customers' rows.
    A customer is shown by number: the log is no way to read names (the auditor sees no customer)."""

    list_display = (
        "accessed_at",
        "user",
        "customer_number",
        "field",
        "reason_code",
        "reason",
        "channel",
        "ip_address",
        "burst_alert_sent",
    )
    list_filter = ("field", "reason_code", "channel", "burst_alert_sent", "accessed_at")
    search_fields = ("user__username", "user__display_name", "=customer__id", "reason")
    list_select_related = ("user",)
    date_hierarchy = "accessed_at"
    fields = (
        "accessed_at",
        "user",
        "customer_number",
        "field",
        "reason_code",
        "reason",
        "channel",
        "ip_address",
        "burst_alert_sent",
    )
    readonly_fields = fields

    @admin.display(description=_("customer number"), ordering="customer_id")
    def customer_number(self, access: PersonalDataAccess) -> str:
        return f"#{access.customer_id}"

    def get_queryset(self, request):
        log = super().get_queryset(request)
        if request.user.may_read_access_log():
            return log
        return log.filter(customer__in=Customer.objects.visible_to(request.user).values("pk"))


@admin.register(CustomerConsent)
class CustomerConsentAdmin(ReadOnlyAdmin):
    """Customers' consents to marketing and surveys: append-only, written by customers.consents."""

    list_display = (
        "recorded_at",
        "customer_number",
        "purpose",
        "granted",
        "text_version",
        "channel",
        "recorded_by",
    )
    list_filter = ("purpose", "granted", "channel")
    search_fields = ("=customer__id",)
    list_select_related = ("recorded_by",)
    fields = (
        "customer_number",
        "purpose",
        "granted",
        "text_version",
        "channel",
        "recorded_at",
        "recorded_by",
    )
    readonly_fields = fields

    @admin.display(description=_("customer number"), ordering="customer_id")
    def customer_number(self, consent: CustomerConsent) -> str:
        return f"#{consent.customer_id}"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(customer__in=Customer.objects.visible_to(request.user).values("pk"))
        )


@admin.register(CustomerAnonymisation)
class CustomerAnonymisationAdmin(ReadOnlyAdmin):
    """Who anonymised which record, when and why (customers.anonymise; the retention job's have no one)."""

    list_display = ("anonymised_at", "customer_number", "automatic", "anonymised_by", "reason")
    list_filter = ("automatic", "anonymised_at")
    search_fields = ("=customer__id", "reason")
    list_select_related = ("anonymised_by",)
    fields = ("customer_number", "anonymised_at", "anonymised_by", "automatic", "reason", "rewritten")
    readonly_fields = fields

    @admin.display(description=_("customer number"), ordering="customer_id")
    def customer_number(self, anonymisation: CustomerAnonymisation) -> str:
        return f"#{anonymisation.customer_id}"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(customer__in=Customer.objects.visible_to(request.user).values("pk"))
        )
