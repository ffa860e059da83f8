"""The public complaint pages, mounted at /public/ (no login)."""

from django.urls import path

from .views import owner, public

app_name = "public"

urlpatterns = [
    path("", public.complaint_submit, name="submit"),
    path("code/", public.code_request, name="code"),
    path("submitted/", public.complaint_submitted, name="submitted"),
    path("track/", public.complaint_track, name="track"),
    # The owner's own cases, after confirming their phone with a one-time code.
    path("mine/", owner.my_cases, name="mine"),
    path("mine/code/", owner.my_cases_code, name="mine_code"),
    path("mine/confirm/", owner.my_cases_confirm, name="mine_confirm"),
    path("mine/sign-out/", owner.my_cases_sign_out, name="mine_sign_out"),
    path("mine/<str:number>/", owner.my_case, name="mine_case"),
]
