from django.contrib.auth import views as auth_views
from django.urls import path

from . import account_views, views

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("login/code/", views.login_code, name="login-code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", account_views.account, name="account"),
    path("account/password/", account_views.StaffPasswordChangeView.as_view(), name="password-change"),
    path("account/tokens/", account_views.token_list, name="api-tokens"),
    path("account/tokens/<int:pk>/revoke/", account_views.token_revoke, name="api-token-revoke"),
    path("account/two-factor/", account_views.two_factor_setup, name="two-factor"),
    path("account/two-factor/off/", account_views.two_factor_turn_off, name="two-factor-off"),
]
