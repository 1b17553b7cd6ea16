from django.urls import path

from . import roster_views

# Included at /residents/import/ inside the "residents" namespace.
urlpatterns = [
    path("", roster_views.roster_upload, name="roster_upload"),
    path("<uuid:pk>/", roster_views.roster_preview, name="roster_preview"),
    path("<uuid:pk>/confirmer/", roster_views.roster_confirm_view, name="roster_confirm"),
    path(
        "<uuid:pk>/lignes-a-corriger.csv",
        roster_views.roster_invalid_csv,
        name="roster_invalid_csv",
    ),
]
