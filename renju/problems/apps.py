from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "renju.problems"
    label = "problems"
    verbose_name = "问题"
