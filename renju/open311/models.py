"""What Open311 keeps of its own: one row per service request POSTed, beside the problem it filed.

The problem itself is filed through `problems.lifecycle.problem_report` like every other report; this row keeps
what only Open311 has: the token the spec lets a client resolve later, the client's own id that makes a retried
POST safe, how the place was found, the media_url as given (never fetched), the attributes as received, and the
submitter's contact details. Those details are personal data: they are stored for the city to call back, shown
by no Open311 answer and no page, and readable only in the admin.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Submission(models.Model):
    class LocatedBy(models.TextChoices):
        COORDINATES = "coordinates", "经纬度"
        MEDIA_EXIF = "media_exif", "照片位置"
        ADDRESS_ID = "address_id", "区域编码"
        ADDRESS_STRING = "address_string", "地址文字"

    token = models.CharField("令牌", max_length=40, unique=True)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name="接口账号")
    client_id = models.CharField("对方编号", max_length=200, null=True, blank=True)
    problem = models.ForeignKey("problems.Problem", on_delete=models.PROTECT, related_name="open311_submissions")
    service_code = models.CharField(max_length=64)
    located_by = models.CharField("定位方式", max_length=16, choices=LocatedBy.choices)
    address_id = models.CharField(max_length=100, blank=True)
    media_url = models.CharField(max_length=1000, blank=True)
    contact = models.JSONField("提交人信息", default=dict, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "Open311 提交"
        verbose_name_plural = "Open311 提交"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "client_id"], condition=Q(client_id__isnull=False),
                                    name="open311_client_id_unique"),
        ]

    def __str__(self) -> str:
        return f"Open311 {self.token[:8]}… → {self.problem_id}"
