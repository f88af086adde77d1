from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "renju.plans"
    label = "plans"
    verbose_name = "整治方案"
