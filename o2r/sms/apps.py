from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "o2r.sms"
    label = "sms"
    verbose_name = "SMS"
