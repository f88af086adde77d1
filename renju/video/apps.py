from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "renju.video"
    verbose_name = "视频AI"
