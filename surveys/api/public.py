"""The owner's own link in the API: /api/v1/public/surveys/<token>/ — read the questionnaire and the
answers saved so far (GET), save answers (PUT, partial), submit them (POST). The token is the only
credential: no login, no personal data in or out, a per-IP rate limit like the answer page's."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import localized
from ..selectors.answering import invitation_for_token, invitation_questions
from ..services.responses import SurveyClosed, invitation_refusal, response_save, stored_answers
from ._common import QuestionSerializer


class PublicSurveySerializer(serializers.Serializer):
    survey = serializers.CharField()
    project = serializers.CharField(allow_null=True)
    state = serializers.ChoiceField(choices=["open", "completed", "expired", "opted_out"])
    questions = QuestionSerializer(many=True)
    answers = serializers.DictField(help_text=_("Saved answers by question code."))


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        help_text=_(
            "Question code → answer: a number for ratings, an option value (single) or a list of option "
            "values (multiple), a string for text; an empty value clears the answer."
        )
    )


def _limited(request, rate: str) -> bool:
    usage = get_usage(request, group="survey-public-api", key="ip", rate=rate, increment=True)
    return bool(usage and usage["should_limit"])


class PublicSurveyView(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    pagination_class = None

    def _invitation(self, request, token: str, rate: str):
        if _limited(request, rate):
            raise Throttled()
        invitation = invitation_for_token(token)
        if invitation is None:
            raise NotFound(_("This survey link is not valid."))
        return invitation

    def _body(self, invitation) -> dict:
        questions = invitation_questions(invitation)
        survey = invitation.campaign.template_version.template
        return {
            "survey": localized(survey.name, survey.name_en),
            "project": invitation.project.name if invitation.project else None,
            "state": invitation_refusal(invitation) or "open",
            "questions": questions,
            "answers": stored_answers(invitation, questions),
        }

    @extend_schema(
        summary=_("The survey of a link: its questions and the answers saved so far"),
        responses={200: PublicSurveySerializer},
        auth=[],
    )
    def get(self, request, token: str):
        invitation = self._invitation(request, token, settings.SURVEY_PUBLIC_PAGE_RATE)
        return Response(PublicSurveySerializer(self._body(invitation)).data)

    def _save(self, request, token: str, *, submit: bool) -> Response:
        invitation = self._invitation(request, token, settings.SURVEY_PUBLIC_SAVE_RATE)
        serializer = AnswersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            response_save(invitation, serializer.validated_data["answers"], submit=submit)
        except SurveyClosed as closed:
            return Response(
                {"state": closed.code, "detail": closed.messages[0]}, status=status.HTTP_409_CONFLICT
            )
        except ValidationError as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        invitation = invitation_for_token(token)
        return Response(PublicSurveySerializer(self._body(invitation)).data)

    @extend_schema(
        summary=_("Save answers (partial: they count only once submitted)"),
        request=AnswersSerializer,
        responses={200: PublicSurveySerializer},
        auth=[],
    )
    def put(self, request, token: str):
        return self._save(request, token, submit=False)

    @extend_schema(
        summary=_("Submit the answers: the survey is complete (once)"),
        request=AnswersSerializer,
        responses={200: PublicSurveySerializer},
        auth=[],
    )
    def post(self, request, token: str):
        return self._save(request, token, submit=True)
