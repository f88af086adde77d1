from django.apps import AppConfig
from django.conf import settings


class HotlineConfig(AppConfig):
    name = "renju.hotline"
    verbose_name = "12345热线"

    def ready(self) -> None:
        from renju.hotline.learning import hotline_learn
        from renju.hotline.replies import hotline_replies
        from renju.notify.jobs import JOBS, Job

        every = settings.RENJU_WORKER_INTERVAL
        known = {job.name for job in JOBS}
        for job in (Job("hotline_learn", hotline_learn, every), Job("hotline_replies", hotline_replies, every)):
            if job.name not in known:
                JOBS.append(job)
