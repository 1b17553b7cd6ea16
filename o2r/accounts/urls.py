from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("connexion/code/", views.otp_verify, name="otp_verify"),
    path("connexion/saisie-conservee/", views.kept_post, name="kept_post"),
    path("compte/double-authentification/", views.mfa, name="mfa"),
    path("session/prolonger/", views.keepalive, name="keepalive"),
]
