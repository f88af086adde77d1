from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "renju.web"
    label = "web"
    verbose_name = "页面"
