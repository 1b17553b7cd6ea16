from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="home"),
    path("export.<str:fmt>", views.export, name="export"),
    path("personnes/<str:indicator>/", views.people, name="people"),
]
