from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "renju.reports"
    label = "reports"
    verbose_name = "公文与报表"
