"""The phone interview: an agent calls an owner and enters their answers in the owner's own form.

The answers are saved as entered by the agent (mode "interviewer"), through the same service as the
owner's page: same validation, same skip logic, same single submit.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.masking import mask_phone

from ..answer_form import posted_answers, question_items
from ..permissions import may_interview
from ..selectors.answering import customer_opted_out, invitation_for_interview, invitation_questions
from ..services.responses import REFUSALS, SurveyClosed, invitation_refusal, response_save, stored_answers


@login_required
@require_http_methods(["GET", "POST"])
def interview(request, pk: int):
    if not may_interview(request.user):
        raise PermissionDenied(_("Your role may not enter answers for owners."))
    invitation = invitation_for_interview(request.user, pk)
    if invitation is None:
        raise Http404(_("No such survey invitation."))
    questions = invitation_questions(invitation)
    reason = invitation_refusal(invitation, opted_out=customer_opted_out(invitation))
    errors: dict = {}
    status = 200
    answers = stored_answers(invitation, questions)
    if request.method == "POST" and not reason:
        posted = posted_answers(questions, request.POST)
        submit = "submit" in request.POST
        try:
            response_save(invitation, posted, submit=submit, interviewer=request.user)
        except SurveyClosed as closed:
            messages.error(request, closed.message)
            return redirect("surveys:interview", pk=pk)
        except ValidationError as error:
            errors, status = error.message_dict, 400
            answers = {**answers, **posted}
        else:
            messages.success(
                request, _("The answers are submitted.") if submit else _("The answers are saved.")
            )
            return redirect("surveys:interview", pk=pk)
    elif request.method == "POST":
        status = 409
    customer = invitation.customer
    # Masked like everywhere else: the agent reveals the full number on the customer page (logged).
    phone = customer.phones.order_by("-is_primary", "pk").values_list("number", flat=True).first()
    context = {
        "invitation": invitation,
        "survey": invitation.campaign.template_version.template,
        "customer": customer,
        "phone": mask_phone(phone) if phone else "",
        "items": question_items(questions, answers, errors),
        "errors": errors,
        "closed_reason": reason,
        "closed_message": REFUSALS[reason]() if reason else "",
    }
    return render(request, "surveys/interview.html", context, status=status)
