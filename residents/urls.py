from django.urls import include, path

from . import views

app_name = "residents"

urlpatterns = [
    path("", views.resident_list, name="list"),
    path("export.csv", views.resident_export, name="export"),
    path("nouveau/", views.resident_create_view, name="create"),
    path("<int:pk>/", views.resident_detail, name="detail"),
    path("<int:pk>/modifier/", views.resident_edit, name="edit"),
    path("<int:pk>/historique/", views.resident_history, name="history"),
    path("<int:pk>/etape/", views.stage_change, name="stage"),
    path("<int:pk>/accords/", views.consent_add, name="consent_add"),
    path(
        "<int:pk>/accords/<int:consent_pk>/retrait/",
        views.consent_withdraw_view,
        name="consent_withdraw",
    ),
    path("<int:pk>/freins/", views.barrier_set_view, name="barrier_set"),
    path("<int:pk>/minima/", views.benefit_set_view, name="benefit_set"),
    path(
        "<int:pk>/minima/<int:benefit_pk>/retrait/",
        views.benefit_remove_view,
        name="benefit_remove",
    ),
    path("<int:pk>/referents/", views.referent_add_view, name="referent_add"),
    path(
        "<int:pk>/referents/<int:referent_pk>/fin/",
        views.referent_end_view,
        name="referent_end",
    ),
    path("<int:pk>/notes/", views.note_add_view, name="note_add"),
    path("<int:pk>/plan/", views.step_add, name="step_add"),
    path("<int:pk>/plan/<int:step_pk>/fait/", views.step_done, name="step_done"),
    path("import/", include("residents.roster_urls")),
    path("", include("residents.privacy_urls")),
]
