from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "renju.hotline"
    verbose_name = "12345热线"
