from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "renju.assessment"
    verbose_name = "考核"

    def ready(self) -> None:
        from renju.assessment import schedule
        from renju.notify.jobs import JOBS, Job

        if not any(j.name == "weekly_supervision" for j in JOBS):
            JOBS.append(Job("weekly_supervision", schedule.weekly_supervision, 3600))
            JOBS.append(Job("month_settled", schedule.month_settled, 3600))
