"""Questionnaires in the admin: templates, their numbered versions, a version's questions inline.

A frozen version (sent at least once) is read-only: the "new draft version" action or button copies
it into the next version to edit (surveys.services.questionnaires). A draft's questions are checked
together before they are saved (options, skip logic, the L3 questions' kinds).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.admin import NoWritesMixin, ReadOnlyAdmin

from .models import Question, SurveyOptOut, SurveyTemplate, SurveyTemplateVersion
from .services.questionnaires import questions_problems, template_version_copy

QUESTION_FIELDS = (
    "position",
    "code",
    "kind",
    "text",
    "text_en",
    "dimension",
    "role",
    "required",
    "options",
    "show_if_question",
    "show_if_values",
)


class QuestionFormSet(BaseInlineFormSet):
    """Checks the version's questions as a whole: a condition names an earlier question of the same
    version, whatever order the rows were typed in."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not (self.can_delete and self._should_delete_form(form))
            if form.cleaned_data
        ]
        questions = [form.instance for form in kept]
        for form, question in zip(kept, questions, strict=True):
            for name in QUESTION_FIELDS:
                if name in form.cleaned_data:
                    setattr(question, name, form.cleaned_data[name])
        for index, found in questions_problems(questions).items():
            for field, field_messages in found.items():
                for message in field_messages:
                    kept[index].add_error(field if field in kept[index].fields else None, message)
        if any(form.errors for form in kept):
            raise ValidationError(_("Some questions need correcting: see the rows marked below."))


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = QUESTION_FIELDS
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2, "cols": 40}),
            "text_en": forms.Textarea(attrs={"rows": 2, "cols": 40}),
            "options": forms.Textarea(attrs={"rows": 3, "cols": 40}),
            "show_if_values": forms.TextInput(attrs={"size": 16}),
        }
        help_texts = {
            "options": _(
                'Choice questions: [{"value": "yes", "label": "有", "label_en": "Yes"}, …]. Others: [].'
            ),
            "show_if_values": _(
                'The answers that show the question: option values or scores, e.g. ["yes"] or [1, 2].'
            ),
        }


class QuestionInline(admin.StackedInline):
    model = Question
    form = QuestionForm
    formset = QuestionFormSet
    fields = QUESTION_FIELDS
    extra = 0
    ordering = ("position", "id")


class FrozenQuestionInline(NoWritesMixin, admin.TabularInline):
    """A sent version's questions, as they were asked."""

    model = Question
    fields = (
        "position",
        "code",
        "kind",
        "text",
        "dimension",
        "role",
        "required",
        "show_if_question",
        "show_if_values",
    )
    readonly_fields = fields
    extra = 0
    ordering = ("position", "id")

    def has_view_permission(self, request, obj=None):
        return True


class VersionInline(NoWritesMixin, admin.TabularInline):
    model = SurveyTemplateVersion
    fields = ("version_link", "is_frozen", "created_at", "created_by")
    readonly_fields = fields
    extra = 0
    ordering = ("-number",)

    def has_view_permission(self, request, obj=None):
        return True

    @admin.display(description=_("version"))
    def version_link(self, version: SurveyTemplateVersion) -> str:
        url = reverse("admin:surveys_surveytemplateversion_change", args=[version.pk])
        return format_html('<a href="{}">v{}</a>', url, version.number)


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "trigger", "delay_hours", "is_active", "latest_version")
    list_filter = ("trigger", "is_active")
    search_fields = ("code", "name", "name_en")
    fields = ("code", "name", "name_en", "intro", "intro_en", "trigger", "delay_hours", "is_active")
    inlines = [VersionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(last_version=Max("versions__number"))

    @admin.display(description=_("latest version"), ordering="last_version")
    def latest_version(self, template) -> str:
        return f"v{template.last_version}" if template.last_version else "—"

    def get_readonly_fields(self, request, obj=None):
        # A sent survey's links and results name the template by its code.
        return ("code",) if obj and obj.versions.filter(is_frozen=True).exists() else ()

    def has_delete_permission(self, request, obj=None):
        return False  # versions and campaigns keep their template (PROTECT); deactivate instead


@admin.register(SurveyTemplateVersion)
class SurveyTemplateVersionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "template", "number", "is_frozen", "question_count", "created_at")
    list_filter = ("is_frozen", "template")
    list_select_related = ("template",)
    fields = ("template", "number", "is_frozen", "created_at", "created_by")
    actions = ["copy_to_draft"]
    change_form_template = "admin/surveys/surveytemplateversion/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(question_total=Count("questions"))

    @admin.display(description=_("questions"), ordering="question_total")
    def question_count(self, version) -> int:
        return version.question_total

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("number", "is_frozen", "created_at", "created_by")
        return self.fields

    def get_inlines(self, request, obj):
        return [FrozenQuestionInline] if obj is not None and obj.is_frozen else [QuestionInline]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.is_frozen or obj.campaigns.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            # The next number of its template; the unique constraint refuses a race's duplicate.
            last = SurveyTemplateVersion.objects.filter(template=obj.template).aggregate(last=Max("number"))
            obj.number = (last["last"] or 0) + 1
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("New draft version (a copy to edit)"), permissions=["add"])
    def copy_to_draft(self, request, queryset):
        drafts = [template_version_copy(version=version, by=request.user) for version in queryset]
        self.message_user(
            request,
            ngettext(
                "%(count)d draft version created: edit its questions, then use it in a campaign.",
                "%(count)d draft versions created: edit their questions, then use them in a campaign.",
                len(drafts),
            )
            % {"count": len(drafts)},
            messages.SUCCESS,
        )
        if len(drafts) == 1:
            return HttpResponseRedirect(
                reverse("admin:surveys_surveytemplateversion_change", args=[drafts[0].pk])
            )
        return None

    def get_urls(self):
        return [
            path(
                "<int:pk>/copy/",
                self.admin_site.admin_view(require_POST(self.copy_view)),
                name="surveys_surveytemplateversion_copy",
            ),
            *super().get_urls(),
        ]

    def copy_view(self, request, pk: int):
        if not self.has_add_permission(request):
            raise PermissionDenied
        version = get_object_or_404(SurveyTemplateVersion.objects.select_related("template"), pk=pk)
        draft = template_version_copy(version=version, by=request.user)
        self.message_user(
            request,
            _("Version %(number)d created from version %(source)d: edit its questions.")
            % {"number": draft.number, "source": version.number},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:surveys_surveytemplateversion_change", args=[draft.pk]))


@admin.register(SurveyOptOut)
class SurveyOptOutAdmin(ReadOnlyAdmin):
    """Who asked for no more surveys, when and how: written by the opt-out link (and agents), never here.
    Only the group admin (the whole estate) has this page."""

    list_display = ("created_at", "customer", "source", "invitation", "recorded_by")
    list_filter = ("source",)
    list_select_related = ("customer", "recorded_by")
    fields = list_display
    show_full_result_count = False
