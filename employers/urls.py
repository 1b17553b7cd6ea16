from django.urls import path

from .views import network, openings, search

app_name = "employers"

urlpatterns = [
    path("", network.employer_list, name="list"),
    path("reseau/", network.pipeline, name="pipeline"),
    path("nouvelle/", network.employer_create, name="create"),
    path("<int:pk>/", network.employer_detail, name="detail"),
    path("<int:pk>/modifier/", network.employer_edit, name="edit"),
    path("<int:pk>/statut/", network.employer_status, name="status"),
    path("<int:pk>/interlocuteurs/nouveau/", network.contact_add, name="contact_add"),
    path(
        "<int:pk>/interlocuteurs/<int:contact_pk>/modifier/",
        network.contact_edit,
        name="contact_edit",
    ),
    path("<int:pk>/prospection/", network.prospecting_add, name="prospecting_add"),
    path("<int:pk>/offres/nouvelle/", openings.opening_create, name="opening_create"),
    path("offres/", openings.opening_list, name="openings"),
    path("offres/<int:pk>/", openings.opening_detail, name="opening"),
    path("offres/<int:pk>/modifier/", openings.opening_edit, name="opening_edit"),
    path("offres/<int:pk>/clore/", openings.opening_close, name="opening_close"),
    path("offres/<int:pk>/rouvrir/", openings.opening_reopen, name="opening_reopen"),
    path("rome/recherche/", openings.rome_typeahead, name="rome_typeahead"),
    path("recherche/", search.employer_typeahead, name="typeahead"),
]
