from django.urls import path

from . import campaign_views, views

app_name = "outreach"

urlpatterns = [
    path("permanences/demarrer/", views.action_start, name="action_start"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("actions/<int:pk>/recherche/", views.typeahead, name="typeahead"),
    path("actions/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("actions/<int:pk>/nouvelle-personne/", views.meet_new, name="meet_new"),
    path("actions/<int:pk>/sans-nom/", views.count_unnamed, name="count_unnamed"),
    path(
        "actions/<int:pk>/contacts/<int:contact_pk>/corriger/",
        views.contact_correct,
        name="contact_correct",
    ),
    path("actions/<int:pk>/clore/", views.action_close, name="action_close"),
    path("signalements/", views.referral_inbox, name="referrals"),
    path("signalements/nouveau/", views.referral_new, name="referral_new"),
    path("signalements/mes-signalements/", views.referrals_mine, name="referrals_mine"),
    path("signalements/<int:pk>/prendre/", views.referral_take, name="referral_take"),
    path("signalements/<int:pk>/clore/", views.referral_close, name="referral_close"),
    path("residences/<int:pk>/historique/", views.residence_history, name="residence_history"),
    path("sms/", campaign_views.campaign_list, name="campaigns"),
    path("sms/nouvelle/", campaign_views.campaign_new, name="campaign_new"),
    path("sms/<int:pk>/", campaign_views.campaign_detail, name="campaign"),
    path("sms/<int:pk>/modifier/", campaign_views.campaign_edit, name="campaign_edit"),
    path("sms/<int:pk>/avancement/", campaign_views.campaign_progress, name="campaign_progress"),
    path("sms/<int:pk>/lancer/", campaign_views.campaign_launch, name="campaign_launch"),
    path("sms/<int:pk>/annuler/", campaign_views.campaign_cancel, name="campaign_cancel"),
]
