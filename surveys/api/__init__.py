"""REST API v1 of surveys: /api/v1/survey-templates/, survey-campaigns/ (with preview, send, close and
results), survey-responses/ (answers; the customer masked), survey-follow-ups/ (with record and
raise-complaint), and the owner's own link: /api/v1/public/surveys/<token>/ (the token is the credential).

- Scope: every list goes through the model's `visible_to(user)`; outside the scope → 404.
- Roles: surveys.permissions (view, run campaigns, handle follow-ups); a refused write is a 403.
- Concurrency: campaigns and follow-ups carry `version` (body field or If-Match); stale → 409.
- Paging: cursor (keyset on the id), never a count.
"""

from .campaigns import CampaignViewSet, TemplateViewSet
from .follow_ups import FollowUpViewSet
from .public import PublicSurveyView
from .responses import ResponseViewSet


def register(router) -> None:
    router.register("survey-templates", TemplateViewSet, basename="survey-template")
    router.register("survey-campaigns", CampaignViewSet, basename="survey-campaign")
    router.register("survey-responses", ResponseViewSet, basename="survey-response")
    router.register("survey-follow-ups", FollowUpViewSet, basename="survey-follow-up")


__all__ = ["PublicSurveyView", "register"]
