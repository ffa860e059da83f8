"""The club's staff pages, mounted at /club/ (namespace `club`)."""

from django.urls import path

from .views import benefits, care, events, intentions, invitations, members, referrals, review

app_name = "club"

urlpatterns = [
    # Referrals (老带新) and the board per project.
    path("referrals/", referrals.board, name="referrals"),
    path("referrals/buyers/", referrals.board_buyers, name="referral_buyers"),
    path("referrals/list/", referrals.referrals, name="referral_list"),
    path("referrals/new/", referrals.referral_new, name="referral_new"),
    # Purchase intentions (意向登记).
    path("intentions/", intentions.intentions, name="intentions"),
    path("intentions/new/", intentions.intention_new, name="intention_new"),
    # Events (联谊活动), the check-in desk and the sign-in sheet.
    path("events/", events.events, name="events"),
    path("events/new/", events.event_new, name="event_new"),
    path("events/<int:pk>/", events.event_detail, name="event"),
    path("events/<int:pk>/edit/", events.event_edit, name="event_edit"),
    path("events/<int:pk>/register/", events.event_register, name="event_register"),
    path("events/<int:pk>/invite/", events.event_invite, name="event_invite"),
    path("events/<int:pk>/invitations/", invitations.event_invitations_start, name="event_invitations"),
    path(
        "events/<int:pk>/invitations/progress/",
        invitations.event_invitations_progress,
        name="event_invitations_progress",
    ),
    path(
        "events/<int:pk>/registrations/<int:registration_pk>/cancel/",
        events.registration_cancel_view,
        name="registration_cancel",
    ),
    path("events/<int:pk>/check-in/", events.check_in, name="check_in"),
    path("events/<int:pk>/sign-in-sheet/", events.event_sign_in_sheet, name="sign_in_sheet"),
    # The ledger helper's: benefits, redemptions, points adjustments, care tasks.
    path("benefits/", benefits.benefit_list, name="benefits"),
    path("benefits/new/", benefits.benefit_edit, name="benefit_create"),
    path("benefits/redeem/", benefits.benefit_redeem_view, name="benefit_redeem"),
    path("benefits/<int:pk>/", benefits.benefit_detail, name="benefit"),
    path("benefits/<int:pk>/edit/", benefits.benefit_edit, name="benefit_edit"),
    path("members/<int:pk>/points/adjust/", benefits.points_adjust_view, name="points_adjust"),
    path("care/", care.care_task_list, name="care_tasks"),
    path("care/<int:pk>/<slug:outcome>/", care.care_task_close_view, name="care_task_close"),
    path("members/", members.member_list, name="members"),
    path("members/new/", members.member_enrol_page, name="enrol"),
    path("members/review/", review.link_review, name="link_review"),
    path("members/review/<int:pk>/", review.link_review_decide, name="link_review_decide"),
    path("members/<int:pk>/", members.member_detail, name="member"),
    path("members/<int:pk>/edit/", members.member_edit, name="member_edit"),
    path("members/<int:pk>/consent/", members.member_consent, name="member_consent"),
    path("members/<int:pk>/reveal/", members.member_reveal, name="member_reveal"),
]
