from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "renju.intake"
    verbose_name = "问题来源"
