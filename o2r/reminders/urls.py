from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("", views.my_reminders, name="mine"),
    path("<int:pk>/fait/", views.mark_done, name="done"),
]
