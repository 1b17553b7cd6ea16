from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "o2r.core"
    label = "core"
    verbose_name = "Socle technique"

    def ready(self):
        from . import checks  # noqa: F401 - registers the start-up checks
