"""The club's staff pages, mounted at /club/ (namespace `club`). Public pages: public_urls.py."""

from django.urls import path

from .views import members, review

app_name = "club"

urlpatterns = [
    path("members/", members.member_list, name="members"),
    path("members/new/", members.member_enrol_page, name="enrol"),
    path("members/review/", review.link_review, name="link_review"),
    path("members/review/<int:pk>/", review.link_review_decide, name="link_review_decide"),
    path("members/<int:pk>/", members.member_detail, name="member"),
    path("members/<int:pk>/edit/", members.member_edit, name="member_edit"),
    path("members/<int:pk>/consent/", members.member_consent, name="member_consent"),
    path("members/<int:pk>/reveal/", members.member_reveal, name="member_reveal"),
]
