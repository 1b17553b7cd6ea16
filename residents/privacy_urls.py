from django.urls import path

from . import privacy_views

# Included at /residents/ inside the "residents" namespace.
urlpatterns = [
    path(
        "<int:pk>/donnees-personnelles/",
        privacy_views.personal_data_page,
        name="personal_data",
    ),
    path(
        "<int:pk>/donnees-personnelles.json",
        privacy_views.personal_data_json,
        name="personal_data_json",
    ),
    path("<int:pk>/effacer/", privacy_views.resident_erase, name="erase"),
]
