from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "renju.api"
    label = "api"
    verbose_name = "接口"
