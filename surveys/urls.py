"""Staff pages of surveys, under /surveys/ (namespace `surveys`)."""

from django.urls import path

from .views import campaigns, follow_ups, interview, responses, results

app_name = "surveys"

urlpatterns = [
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", campaigns.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/send/", campaigns.campaign_send, name="campaign_send"),
    path("campaigns/<int:pk>/close/", campaigns.campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/progress/", campaigns.campaign_progress, name="campaign_progress"),
    path("campaigns/<int:pk>/results/", results.results, name="results"),
    path(
        "campaigns/<int:pk>/questions/<int:question_pk>/answers/",
        results.question_verbatims,
        name="verbatims",
    ),
    path("responses/", responses.response_list_view, name="responses"),
    path("invitations/<int:pk>/interview/", interview.interview, name="interview"),
    path("follow-ups/", follow_ups.follow_up_list_view, name="follow_ups"),
    path("follow-ups/<int:pk>/", follow_ups.follow_up_detail_view, name="follow_up"),
    path("follow-ups/<int:pk>/record/", follow_ups.follow_up_record_view, name="follow_up_record"),
    path(
        "follow-ups/<int:pk>/raise-complaint/",
        follow_ups.follow_up_raise_complaint_view,
        name="follow_up_raise_complaint",
    ),
]
