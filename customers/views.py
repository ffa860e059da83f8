"""Staff pages for customers: search, list, the 360 page, reveal, create and edit. Thin: reads through
customers.selectors, writes through customers.services and accounts.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import PersonalDataAccess, PersonalField, Role
from accounts.services import RevealLimitReached, personal_data_reveal
from core.listing import ListSort, SortColumn, bounded_count, sort_word, sorting_context
from core.paging import BrokenCursor, broken_link, newest_first_page
from core.search import number_url as record_number_url
from core.search import provider_keys as search_provider_keys
from core.search import word_sections

from . import selectors, services
from .forms import (
    ContractCreateForm,
    CustomerForm,
    CustomerListFilterForm,
    CustomerMergeForm,
    HouseholdLinkForm,
    HouseholdMemberAddForm,
    RevealForm,
    SearchForm,
    add_service_errors,
)
from .models import Customer, CustomerMerge, HouseholdMember, Stage
from .panels import attach_contract_links, customer_panels

SEARCH_KIND_LABELS = {
    "phone": gettext_lazy("full phone number"),
    "phone_tail": gettext_lazy("last 4 digits of a phone"),
    "id_number": gettext_lazy("ID number"),
    "unit": gettext_lazy("unit"),
    "name": pgettext_lazy("person", "name"),
}
# Texts the customer search reads as a phone, an ID or a unit are not searched as words in complaints.
NOT_WORDS = {"phone", "phone_tail", "id_number", "unit"}
# The "6+2" service steps (服务6+2步法) and the step each lifecycle stage has reached.
SERVICE_STEPS = (
    ("1", "温馨牵手", gettext_lazy("Warm handshake")),
    ("2", "喜结连理", gettext_lazy("Tying the knot")),
    ("3", "亲密接触", gettext_lazy("Close contact")),
    ("4", "恭迎乔迁", gettext_lazy("Welcome home")),
    ("5", "嘘寒问暖", gettext_lazy("Caring")),
    ("6", "承担责任", gettext_lazy("Taking responsibility")),
    ("+1", "一路同行", gettext_lazy("Walking together")),
    ("+2", "四年之约", gettext_lazy("Four-year appointment")),
)
STAGE_STEP = {
    Stage.PROSPECT: 0,
    Stage.BUYER: 2,
    Stage.SETTLING_IN: 4,
    Stage.STABLE: 5,
    Stage.ESTABLISHED: 6,
}
# The list sorts by creation only: the id's order (the primary key). A name order would need an index
# on (name, id) in the database's collation; the name index is for prefix search (varchar_pattern_ops).
CUSTOMER_SORT = ListSort((SortColumn("created", descending_first=True),), default="-created")
# Roles that see who looked at a customer's personal data (supervisor and above).
ROLES_READING_ACCESS_LOG = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR}


def _require_customer_access(user) -> None:
    if not user.may_see_customers():
        raise PermissionDenied(_("Your role has no access to customer records."))


def _require_customer_editing(user) -> None:
    if not user.may_edit_customers():
        raise PermissionDenied(_("Your role may not edit customers."))


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def search(request):
    """The global search box posts here and the results come back on the POST's answer: the text
    (often a full phone or ID number) never travels in a URL, so no access log keeps it. A GET shows
    the empty search box, whatever `?q=` it carries."""
    _require_customer_access(request.user)
    form = SearchForm(request.POST if request.method == "POST" else None)
    text, query, customers, units, sections = "", None, [], [], []
    if form.is_valid():
        text = form.cleaned_data["q"].strip()
        # A complaint, work-order or defect number the user may see opens it (core.search: the apps
        # above register their finders); any other text, out-of-scope numbers included, is searched.
        url = record_number_url(request.user, text)
        if url:
            return redirect(url)
        query, customers = selectors.customer_search(user=request.user, text=text)
        units = selectors.unit_search(user=request.user, text=text)
        if query is None or query.kind not in NOT_WORDS:
            cursors = {key: request.POST.get(f"{key}_after") or None for key in search_provider_keys()}
            try:
                sections = word_sections(request.user, text, cursors)
            except BrokenCursor:
                return broken_link(request)
    return render(
        request,
        "customers/search.html",
        {
            "form": form,
            "q": text,
            "query_kind": SEARCH_KIND_LABELS.get(query.kind) if query else None,
            "customers": customers,
            "units": units,
            "sections": sections,
            "found_records": any(section.hits for section in sections),
        },
        # An empty box is no error; unreadable text (a control character, too long) is.
        status=400 if form.errors and form.data.get("q", "").strip() else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_list(request):
    """The filter form posts (its search text may be a phone or ID number) and so does its pager; plain
    filters still work in a link, but a `q` in the URL is ignored: it would sit in the access logs."""
    _require_customer_access(request.user)
    if request.method == "POST":
        data = request.POST
    else:
        data = request.GET.copy()
        data.pop("q", None)
    form = CustomerListFilterForm(data or None, user=request.user)
    filters = form.selector_filters() if form.is_valid() else {}
    matching = selectors.customer_list(user=request.user, filters=filters)
    customers = matching.annotate(primary_phone_number=selectors.primary_phone_number()).prefetch_related(
        Prefetch("households", queryset=HouseholdMember.objects.select_related("unit", "unit__project"))
    )
    paginator, sort = CUSTOMER_SORT.paginator(customers, sort_word(request))
    page, pager = newest_first_page(request, customers, paginator=paginator)
    if page is None:
        return broken_link(request)
    selectors.label_customer_rows(page)
    return render(
        request,
        "customers/list.html",
        {
            "form": form,
            "list_count": bounded_count(matching),
            **sorting_context(request, CUSTOMER_SORT, sort),
            **pager,
        },
    )


def _customer_or_404(user, pk: int) -> Customer:
    try:
        return selectors.customer_360(user=user, pk=pk)
    except Customer.DoesNotExist:
        raise Http404(_("No such customer.")) from None


def _reveal_forms(user) -> dict:
    return {
        field: RevealForm(initial={"field": field}, auto_id=f"id_{field}_%s")
        for field in PersonalField.values
        if user.may_reveal(field)
    }


@login_required
def customer_detail(request, pk: int):
    _require_customer_access(request.user)
    try:
        customer = _customer_or_404(request.user, pk)
    except Http404:
        # A merged record's old links (notifications, bookmarks) lead to the record it went into.
        merge = CustomerMerge.objects.filter(duplicate_id=pk).order_by("-merged_at").first()
        if merge and Customer.objects.visible_to(request.user).filter(pk=merge.survivor_id).exists():
            messages.info(request, _("Customer #%(id)s was merged into this one.") % {"id": pk})
            return redirect("customers:detail", pk=merge.survivor_id)
        raise
    return _render_detail(request, customer)


def _render_detail(request, customer: Customer, household_form=None, contract_form=None, status: int = 200):
    user = request.user
    stage = customer.stage()
    current = STAGE_STEP[stage]
    accesses = None
    if user.role in ROLES_READING_ACCESS_LOG:
        accesses = list(PersonalDataAccess.objects.filter(customer=customer).select_related("user")[:10])
    attach_contract_links(user, customer.contracts_as_buyer.all())
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "stage": stage,
            "steps": [
                {"number": n, "name": zh, "label": str(en), "done": i < current, "current": i == current}
                for i, (n, zh, en) in enumerate(SERVICE_STEPS)
            ],
            "reveal_forms": _reveal_forms(user),
            "accesses": accesses,
            "may_edit": user.may_edit_customers(),
            "household_form": household_form
            or (HouseholdMemberAddForm() if user.may_edit_customers() else None),
            "contract_form": contract_form or (ContractCreateForm() if user.may_edit_customers() else None),
            "contract_form_open": contract_form is not None,
            "panels": customer_panels(request, customer),
            "duplicates": selectors.possible_duplicates(user=user, customer=customer)
            if user.may_merge_customers()
            else None,
        },
        status=status,
    )


@login_required
@require_POST
def customer_reveal(request, pk: int):
    _require_customer_access(request.user)
    customer = get_object_or_404(Customer.objects.visible_to(request.user).prefetch_related("phones"), pk=pk)
    form = RevealForm(request.POST, auto_id=f"id_{request.POST.get('field', '')[:20]}_%s")
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown field."))
    field = form.cleaned_data["field"]
    htmx = _is_htmx(request)
    template = "customers/reveal_fragment.html" if htmx else "customers/reveal_page.html"
    context = {"customer": customer, "form": form, "field": field}
    try:
        value = personal_data_reveal(
            user=request.user,
            customer=customer,
            field=field,
            reason_code=form.cleaned_data["reason_code"],
            reason=form.cleaned_data["reason"],
            ip_address=_client_ip(request),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return render(request, template, context)
    except RevealLimitReached as limit:
        form.add_error(None, str(limit))
        # htmx swaps only 2xx answers into the page: the fragment says it; a full page answers 429.
        response = render(request, template, context, status=200 if htmx else 429)
        response["Retry-After"] = str(int(limit.retry_after.total_seconds()) + 1)
        return response
    context["values"] = value if isinstance(value, list) else [value]
    return render(request, template, context)


def _edit_context(form, customer=None) -> dict:
    return {"form": form, "customer": customer}


@login_required
@require_http_methods(["GET", "POST"])
def customer_create(request):
    _require_customer_editing(request.user)
    form = CustomerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                by=request.user, phones=form.phones(), **form.customer_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error, field_aliases={"phones": "phone_0"})
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", _edit_context(form))


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk: int):
    _require_customer_editing(request.user)
    customer = get_object_or_404(
        Customer.objects.visible_to(request.user)
        .select_related("registered_project")
        .prefetch_related("phones"),
        pk=pk,
    )
    initial = model_to_dict(customer, fields=[f for f in services.CUSTOMER_FIELDS if f != "id_number"])
    initial["version"] = customer.version
    form = CustomerForm(request.POST or None, user=request.user, customer=customer, initial=initial)
    if request.method == "POST" and form.is_valid():
        expected_version = form.cleaned_data.get("version") or 0
        try:
            services.customer_update(
                customer=customer,
                by=request.user,
                expected_version=expected_version,
                phones=form.phones(),
                **form.customer_fields(),
            )
        except services.ConcurrentEditError as error:
            form.add_error(None, error.messages)
            form.conflict = True
        except ValidationError as error:
            add_service_errors(form, error, field_aliases={"phones": "phone_0"})
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", _edit_context(form, customer))


@login_required
@require_POST
def household_member_add(request, pk: int):
    _require_customer_editing(request.user)
    customer = _customer_or_404(request.user, pk)
    form = HouseholdMemberAddForm(request.POST)
    if form.is_valid() and (unit := _unit_from_code(request.user, form)):
        try:
            services.household_member_add(
                unit=unit,
                customer=customer,
                role=form.cleaned_data["role"],
                since=form.cleaned_data["since"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error, field_aliases={"customer": "unit_code"})
        else:
            messages.success(request, _("Added to the household of %(unit)s.") % {"unit": unit})
            return redirect(reverse("customers:detail", args=[customer.pk]) + "#household")
    return _render_detail(request, customer, household_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def household_link(request):
    """关联客户: a supervisor links a person recorded elsewhere in the group (named by ID number) into a
    household of their scope. The one page that may bring a customer into a scope; each link is logged."""
    if not request.user.may_merge_customers():
        raise PermissionDenied(_("Only a supervisor may link a customer recorded elsewhere."))
    form = HouseholdLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and (unit := _unit_from_code(request.user, form)):
        data = form.cleaned_data
        try:
            member = services.household_member_link(
                unit=unit,
                id_type=data["id_type"],
                id_number=data["id_number"],
                role=data["role"],
                since=data["since"],
                reason=data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error, field_aliases={"customer": "id_number"})
        else:
            messages.success(request, _("Linked to the household of %(unit)s.") % {"unit": unit})
            return redirect(reverse("customers:detail", args=[member.customer_id]) + "#household")
    status = 400 if request.method == "POST" else 200
    return render(request, "customers/link.html", {"form": form}, status=status)


def _unit_from_code(user, form, field: str = "unit_code"):
    """The one visible unit the agent typed ("四季花城 3-1-502"), or None with an error on the form."""
    units = selectors.unit_search(user=user, text=form.cleaned_data[field])
    if len(units) == 1:
        return units[0]
    form.add_error(
        field,
        _("No unit of your projects matches this.")
        if not units
        else _("Several units match; add the project name."),
    )
    return None


@login_required
@require_POST
def contract_create(request, pk: int):
    _require_customer_editing(request.user)
    customer = _customer_or_404(request.user, pk)
    form = ContractCreateForm(request.POST)
    if form.is_valid() and (unit := _unit_from_code(request.user, form)):
        try:
            contract = services.contract_create(
                unit=unit, primary_buyer=customer, by=request.user, **form.contract_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error, field_aliases={"unit": "unit_code"})
        else:
            messages.success(request, _("Contract %(number)s recorded.") % {"number": contract.number})
            return redirect(reverse("customers:detail", args=[customer.pk]) + "#contracts")
    return _render_detail(request, customer, contract_form=form, status=400)


@login_required
@require_POST
def household_member_remove(request, pk: int, member_pk: int):
    _require_customer_editing(request.user)
    customer = _customer_or_404(request.user, pk)
    member = get_object_or_404(
        HouseholdMember.objects.visible_to(request.user).select_related("unit", "unit__project"),
        pk=member_pk,
        customer=customer,
    )
    try:
        services.household_member_remove(member=member, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Removed from the household of %(unit)s.") % {"unit": member.unit})
    return redirect(reverse("customers:detail", args=[customer.pk]) + "#household")


@login_required
@require_http_methods(["GET", "POST"])
def customer_merge(request, pk: int, duplicate_pk: int):
    """Fold a duplicate record into this customer: GET shows both and what would move, POST merges."""
    if not request.user.may_merge_customers():
        raise PermissionDenied(_("Your role may not merge customers."))
    visible = Customer.objects.visible_to(request.user).select_related("city_company").defer("id_number")
    survivor = get_object_or_404(visible.prefetch_related("phones"), pk=pk)
    duplicate = get_object_or_404(visible.prefetch_related("phones"), pk=duplicate_pk)
    form = CustomerMergeForm(
        request.POST or None, initial={"version": survivor.version, "duplicate_version": duplicate.version}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.customer_merge(
                    survivor=survivor,
                    duplicate=duplicate,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    expected_duplicate_version=form.cleaned_data["duplicate_version"],
                )
            except services.ConcurrentEditError as error:
                form.add_error(None, error.messages)
                status = 409
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(duplicate)s (#%(id)s) merged into this customer.")
                    % {"duplicate": duplicate.name, "id": duplicate_pk},
                )
                return redirect("customers:detail", pk=survivor.pk)
    return render(
        request,
        "customers/merge.html",
        {
            "survivor": survivor,
            "duplicate": duplicate,
            "moves": selectors.merge_preview(duplicate=duplicate),
            "form": form,
        },
        status=status,
    )
