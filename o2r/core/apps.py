from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "o2r.core"
    label = "core"
    verbose_name = "Socle technique"
