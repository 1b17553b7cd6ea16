from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "o2r.reminders"
    label = "reminders"
    verbose_name = "Rappels"
