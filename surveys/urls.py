"""Staff pages of surveys, under /surveys/ (namespace `surveys`)."""

from django.urls import path

from .views import campaigns, interview

app_name = "surveys"

urlpatterns = [
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", campaigns.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/send/", campaigns.campaign_send, name="campaign_send"),
    path("campaigns/<int:pk>/close/", campaigns.campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/progress/", campaigns.campaign_progress, name="campaign_progress"),
    path("invitations/<int:pk>/interview/", interview.interview, name="interview"),
]
