"""The 12345 hotline's work orders and the examples its classifier learns from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class HotlineOrder(models.Model):
    """A 12345 work order (工单). The caller's name and number are personal data: read them through
    `renju.hotline.privacy`, which masks them for every role but the plan's `unmasked_roles`.

    An order is filed as a problem as soon as it has a place. One that names no place we know (no coordinates, no
    region name in its address) is kept without a problem (`located_by="none"`) until a dispatcher places it by hand:
    a problem needs a point inside a region, and inventing one would send the unit to the wrong street."""

    class Reply(models.TextChoices):
        NONE = "", "未回复"
        PENDING = "pending", "待回复"
        SENT = "sent", "已回复"
        FAILED = "failed", "回复失败"

    class LocatedBy(models.TextChoices):
        COORDINATES = "coordinates", "工单坐标"
        ADDRESS = "address", "地址匹配"
        MANUAL = "manual", "人工定位"
        NONE = "none", "待定位"

    class Channel(models.TextChoices):
        PUSH = "push", "接口推送"
        IMPORT = "import", "表格导入"

    order_no = models.CharField("工单号", max_length=64, unique=True)
    received_at = models.DateTimeField("受理时间")
    caller_name = models.CharField("来电人", max_length=100, blank=True)
    caller_phone = models.CharField("来电号码", max_length=32, blank=True)
    content = models.TextField("诉求内容")
    address = models.CharField("地址", max_length=300, blank=True)
    category_hint = models.CharField("工单类型", max_length=100, blank=True)
    urgency = models.CharField("紧急程度", max_length=16, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    located_by = models.CharField("定位方式", max_length=16, choices=LocatedBy.choices, blank=True)
    # What the address matched (a region's name) and that region's code, so the dispatcher sees why it is there.
    located_name = models.CharField("匹配地名", max_length=100, blank=True)
    located_region = models.CharField("匹配区域编码", max_length=32, blank=True)
    suggested_category = models.CharField(max_length=64, blank=True)
    suggestion_confidence = models.FloatField(null=True, blank=True)
    # {"by": "classifier" | "hint", "top": [{"code", "name", "p"}…], "tokens": [...]} — what the dispatcher is shown.
    suggestion = models.JSONField(default=dict, blank=True)
    # The suggestion was below the plan's min_confidence: the problem is filed under the best guess, and the
    # dispatcher is asked to settle the category before accepting.
    needs_review = models.BooleanField("待核定类型", default=False)
    channel = models.CharField("来源方式", max_length=8, choices=Channel.choices, default=Channel.PUSH)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # Attachments of an order still waiting for its place: storage names, filed with the problem once placed.
    pending_photos = models.JSONField(default=list, blank=True)
    problem = models.ForeignKey("problems.Problem", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="hotline_orders")
    reply_status = models.CharField(max_length=8, choices=Reply.choices, blank=True, default="")
    replied_at = models.DateTimeField(null=True, blank=True)
    reply = models.JSONField(default=dict, blank=True)
    reply_attempts = models.PositiveIntegerField(default=0)
    reply_next_at = models.DateTimeField(null=True, blank=True)
    reply_error = models.TextField(blank=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "12345工单"
        verbose_name_plural = "12345工单"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["received_at", "id"], name="hotline_order_recent"),
            models.Index(fields=["reply_next_at"], condition=Q(reply_status="pending"), name="hotline_reply_due"),
            models.Index(fields=["id"], condition=Q(problem__isnull=True), name="hotline_unlocated"),
        ]

    def __str__(self) -> str:
        return self.order_no

    @property
    def unlocated(self) -> bool:
        return self.problem_id is None


class ClassifierExample(models.Model):
    """A text with its right category: the dispatchers' corrections the hotline classifier learns from.

    `correction`: the dispatcher accepted the problem under another category than the one suggested;
    `confirmation`: accepted as suggested. One example per order at most."""

    text = models.TextField()
    category = models.CharField(max_length=64)
    source = models.CharField(max_length=16, default="correction")  # correction | confirmation
    order = models.ForeignKey(HotlineOrder, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="examples")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(order__isnull=False), name="example_once_per_order"),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.text[:20]}"
