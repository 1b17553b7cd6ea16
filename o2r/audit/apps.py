from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "o2r.audit"
    label = "audit"
    verbose_name = "Journal des accès"
