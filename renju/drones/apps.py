from django.apps import AppConfig


class DronesConfig(AppConfig):
    name = "renju.drones"
    verbose_name = "无人机"
