from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "renju.referrals"
    verbose_name = "上级交办"
