from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("", views.my_reminders, name="mine"),
    path("<int:pk>/fait/", views.mark_done, name="done"),
    path("<int:pk>/reporter/", views.snooze, name="snooze"),
    path("badge/", views.badge, name="badge"),
    path("recapitulatif/", views.digest, name="digest"),
]
