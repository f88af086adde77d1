from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "renju.assessment"
    verbose_name = "考核"
