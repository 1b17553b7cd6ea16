from django.urls import path

from . import views

app_name = "sms"

urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("<uuid:pk>/renvoyer/", views.resend, name="resend"),
    path("<uuid:pk>/ne-pas-renvoyer/", views.abandon, name="abandon"),
    path("residents/<int:pk>/opposition/", views.opt_out, name="opt_out"),
    path("residents/<int:pk>/opposition/lever/", views.opt_out_lift, name="opt_out_lift"),
    path("reponses/", views.inbox, name="inbox"),
    path("reponses/<int:pk>/rattacher/", views.inbox_match, name="inbox_match"),
    path("reponses/<int:pk>/ecarter/", views.inbox_discard, name="inbox_discard"),
    path("mesure/", views.measure, name="measure"),
    path("hooks/brevo/<uuid:message_id>/<str:token>/", views.hook_delivery, name="hook_delivery"),
    path("hooks/entrants/<str:token>/", views.hook_inbound, name="hook_inbound"),
]
