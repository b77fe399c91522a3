from django.contrib.auth import views as auth_views
from django.urls import path

from kamtibmas.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views.otp_verify, name="otp-verify"),
    path("login/authenticator/", views.otp_enrol, name="otp-enrol"),
    path("recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
