"""What the complaint desk's forms share: the category choices, colleagues, the fast select, the version."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import VersionField, VersionRequiredMixin
from customers.forms import style_widgets

from .. import selectors

BLANK = ("", "---------")


def category_choices(*, include_parents: bool) -> list:
    """The active category tree as a grouped select: 房屋质量 → 渗漏, 裂缝 … (from the cache)."""
    categories = [c for c in selectors.categories().values() if c.is_active]
    children: dict[int, list] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    choices: list = [BLANK]
    for root in categories:
        if root.parent_id is not None:
            continue
        leaves = children.get(root.id, [])
        if not leaves:
            choices.append((root.id, root.name))
            continue
        options = [(root.id, _("All of %(name)s") % {"name": root.name})] if include_parents else []
        options += [(leaf.id, leaf.name) for leaf in leaves]
        choices.append((root.name, options))
    return choices


def colleagues(user, roles) -> forms.models.QuerySet:
    """Active staff of the given roles working on the user's projects (everyone for the group)."""
    staff = User.objects.filter(is_active=True, role__in=roles)
    scope = user.scope
    if not scope.is_unrestricted:
        staff = staff.filter(
            Q(projects__in=scope.project_ids) | Q(city_companies__in=scope.city_company_ids)
        ).distinct()
    return staff.order_by("display_name", "username")


class FastSelect(forms.Select):
    """A <select> written in Python. Django renders every <option> through a template: on the
    board's filters and bulk-assign form (hundreds of options for a group administrator) that
    cost more than all of the page's queries."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))

        def option(option_value, label) -> tuple:
            option_value = "" if option_value is None else str(option_value)
            chosen = option_value in selected
            if chosen:
                selected.clear()  # a single select marks its first match only, as Django does
            return option_value, " selected" if chosen else "", escape(label)

        def options(choices) -> SafeString:
            # format_html_join escapes each value; escape() above also escapes a label marked safe.
            return format_html_join("", '<option value="{}"{}>{}</option>', (option(*c) for c in choices))

        parts, run = [], []  # consecutive options are joined in one call: it keeps the widget fast
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):
                parts.append(options(run))
                parts.append(format_html('<optgroup label="{}">{}</optgroup>', option_value, options(label)))
                run = []
            else:
                run.append((option_value, label))
        parts.append(options(run))
        return format_html(
            "<select{}>{}</select>",
            flatatt(self.build_attrs(self.attrs, {**(attrs or {}), "name": name})),
            format_html_join("", "{}", ((part,) for part in parts)),
        )


class _StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class VersionedForm(VersionRequiredMixin, _StyledForm):
    """Every action carries the version the user saw: a stale page is a conflict, not an overwrite,
    and a post without one is refused (core.forms.VersionRequiredMixin)."""

    version = VersionField()
