"""The owner's answer page, /s/<token>/ (no login): the link is the credential.

The page shows the project's name and the survey, never the owner's name, phone or unit (a link
forwarded or seen over a shoulder gives nothing away). Answers autosave as the owner goes (the
page's script posts the form to `save`); without script the Save and Submit buttons post the same
form. Every request counts against a per-IP limit (django-ratelimit); a closed link (answered,
expired, opted out) and an unknown one get a friendly page of their own.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import get_usage

from .answer_form import posted_answers, question_items
from .models import localized
from .selectors.answering import customer_opted_out, invitation_for_token, invitation_questions
from .services.responses import (
    SurveyClosed,
    invitation_open,
    invitation_refusal,
    response_save,
    stored_answers,
    survey_opt_out,
)

CLOSED_TEMPLATES = {
    "completed": "surveys/public/answered.html",
    "expired": "surveys/public/expired.html",
    "opted_out": "surveys/public/opted_out.html",
}


def _limited(request, group: str, rate: str) -> bool:
    usage = get_usage(request, group=group, key="ip", rate=rate, increment=True)
    return bool(usage and usage["should_limit"])


def _rate_limited(request, *, as_json=False):
    if as_json:
        return JsonResponse({"message": _("Too many requests: please try again in a while.")}, status=429)
    return render(request, "surveys/public/rate_limited.html", status=429)


def _unknown(request, *, as_json=False):
    if as_json:
        return JsonResponse({"message": _("This survey link is not valid.")}, status=404)
    return render(request, "surveys/public/unknown.html", status=404)


def _page_context(invitation) -> dict:
    survey = invitation.campaign.template_version.template
    return {
        "invitation": invitation,
        "survey": survey,
        "intro": localized(survey.intro, survey.intro_en),
        "project_name": invitation.project.name if invitation.project_id else "",
        "token": invitation.token,
    }


def _closed(request, invitation, reason: str, *, status=200):
    return render(request, CLOSED_TEMPLATES[reason], _page_context(invitation), status=status)


@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    if _limited(request, "survey-page", settings.SURVEY_PUBLIC_PAGE_RATE):
        return _rate_limited(request)
    invitation = invitation_for_token(token)
    if invitation is None:
        return _unknown(request)
    reason = invitation_refusal(invitation, opted_out=customer_opted_out(invitation))
    if reason:
        return _closed(request, invitation, reason, status=200 if request.method == "GET" else 409)
    questions = invitation_questions(invitation)
    errors: dict = {}
    status = 200
    if request.method == "POST":
        posted = posted_answers(questions, request.POST)
        submit = "submit" in request.POST
        try:
            response_save(invitation, posted, submit=submit)
        except SurveyClosed as closed:
            if closed.code not in CLOSED_TEMPLATES:
                return _unknown(request)
            return _closed(request, invitation, closed.code, status=409)
        except ValidationError as error:
            errors, status = error.message_dict, 400
            answers = {**stored_answers(invitation, questions), **posted}
        else:
            if submit:
                return redirect("survey_public:thanks", token=token)
            return redirect(f"{request.path}?saved=1")
    else:
        invitation_open(invitation)
        answers = stored_answers(invitation, questions)
    context = _page_context(invitation) | {
        "items": question_items(questions, answers, errors),
        "errors": errors,
        "saved": request.GET.get("saved") == "1" and not errors,
    }
    return render(request, "surveys/public/answer.html", context, status=status)


@require_POST
def save(request, token: str):
    """The page's autosave: the whole form, posted by static/surveys/answer.js; answers JSON."""
    if _limited(request, "survey-save", settings.SURVEY_PUBLIC_SAVE_RATE):
        return _rate_limited(request, as_json=True)
    invitation = invitation_for_token(token)
    if invitation is None:
        return _unknown(request, as_json=True)
    questions = invitation_questions(invitation)
    try:
        response_save(invitation, posted_answers(questions, request.POST), submit=False)
    except SurveyClosed as closed:
        return JsonResponse({"closed": closed.code, "message": closed.message}, status=409)
    except ValidationError as error:
        return JsonResponse({"saved": False, "errors": error.message_dict}, status=400)
    return JsonResponse({"saved": True, "message": _("Saved")})


def thanks(request, token: str):
    if _limited(request, "survey-page", settings.SURVEY_PUBLIC_PAGE_RATE):
        return _rate_limited(request)
    invitation = invitation_for_token(token)
    if invitation is None:
        return _unknown(request)
    if invitation.completed_at is None:
        return redirect("survey_public:answer", token=token)
    return render(request, "surveys/public/thanks.html", _page_context(invitation))


@require_http_methods(["GET", "POST"])
def opt_out(request, token: str):
    if _limited(request, "survey-page", settings.SURVEY_PUBLIC_PAGE_RATE):
        return _rate_limited(request)
    invitation = invitation_for_token(token)
    if invitation is None:
        return _unknown(request)
    if request.method == "POST":
        survey_opt_out(invitation, source="link")
        return render(
            request, "surveys/public/opted_out.html", _page_context(invitation) | {"just_now": True}
        )
    if invitation_refusal(invitation, opted_out=customer_opted_out(invitation)) == "opted_out":
        return _closed(request, invitation, "opted_out")
    return render(request, "surveys/public/opt_out.html", _page_context(invitation))
