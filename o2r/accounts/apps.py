from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "o2r.accounts"
    label = "accounts"
    verbose_name = "Comptes et organisations"
