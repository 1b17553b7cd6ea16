from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "o2r.accounts"
    label = "accounts"
    verbose_name = "Comptes et organisations"

    def ready(self):
        from . import security  # noqa: F401  (connects the sign-in log receivers)
