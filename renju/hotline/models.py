"""The 12345 hotline's work orders and the examples its classifier learns from."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class HotlineOrder(models.Model):
    """A 12345 work order (工单). The caller's name and number are personal data: read them through
    `renju.intake.hotline.privacy`, which masks them for every role but the plan's `unmasked_roles`."""

    class Reply(models.TextChoices):
        NONE = "", "未回复"
        PENDING = "pending", "待回复"
        SENT = "sent", "已回复"
        FAILED = "failed", "回复失败"

    order_no = models.CharField("工单号", max_length=64, unique=True)
    received_at = models.DateTimeField("受理时间")
    caller_name = models.CharField("来电人", max_length=100, blank=True)
    caller_phone = models.CharField("来电号码", max_length=32, blank=True)
    content = models.TextField("诉求内容")
    address = models.CharField("地址", max_length=300, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    located_by = models.CharField("定位方式", max_length=16, blank=True)  # coordinates | address | none
    suggested_category = models.CharField(max_length=64, blank=True)
    suggestion_confidence = models.FloatField(null=True, blank=True)
    problem = models.ForeignKey("problems.Problem", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="hotline_orders")
    reply_status = models.CharField(max_length=8, choices=Reply.choices, blank=True, default="")
    replied_at = models.DateTimeField(null=True, blank=True)
    reply = models.JSONField(default=dict, blank=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return self.order_no


class ClassifierExample(models.Model):
    """A text with its right category: the dispatchers' corrections the hotline classifier learns from."""

    text = models.TextField()
    category = models.CharField(max_length=64)
    source = models.CharField(max_length=16, default="correction")  # correction | confirmation
    order = models.ForeignKey(HotlineOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.category}: {self.text[:20]}"
