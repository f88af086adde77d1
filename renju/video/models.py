"""The camera registry and the video-AI platform's alarms."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Camera(models.Model):
    class Status(models.TextChoices):
        ONLINE = "online", "在线"
        OFFLINE = "offline", "离线"
        RETIRED = "retired", "停用"

    code = models.CharField("设备编号", max_length=64, unique=True)
    name = models.CharField("名称", max_length=100)
    channel = models.CharField("通道号", max_length=32, blank=True)
    lat = models.FloatField("纬度")
    lng = models.FloatField("经度")
    address = models.CharField("位置", max_length=300, blank=True)
    region = models.ForeignKey("plans.Region", on_delete=models.PROTECT, related_name="cameras")
    road_class = models.CharField("道路等级", max_length=32, blank=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.ONLINE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "摄像头"
        verbose_name_plural = "摄像头"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Alarm(models.Model):
    """One push from the video-AI platform. `outcome` says what became of it.

    A created or review alarm's snapshot is the problem's before-photo (stored through the lifecycle); a joined
    alarm's snapshot is kept here, because the lifecycle has no action that adds a photo to an existing problem;
    a dropped alarm keeps only the snapshot's hash (weak alarms are mostly false positives, not worth the disk)."""

    class Outcome(models.TextChoices):
        CREATED = "created", "已生成问题"
        REVIEW = "review", "待人工确认"
        JOINED = "joined", "并入已有问题"
        DROPPED = "dropped", "置信度不足"

    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="alarms")
    external_id = models.CharField("告警编号", max_length=64)
    alarm_type = models.CharField("告警类型", max_length=64)
    category = models.ForeignKey("plans.Category", on_delete=models.PROTECT, related_name="+")
    confidence = models.FloatField("置信度")
    occurred_at = models.DateTimeField("告警时间")
    received_at = models.DateTimeField("接收时间")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    outcome = models.CharField("处理结果", max_length=8, choices=Outcome.choices)
    problem = models.ForeignKey("problems.Problem", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="alarms")
    snapshot_sha256 = models.CharField(max_length=64, blank=True)
    snapshot = models.FileField(upload_to="video/snapshots/%Y/%m/", blank=True)
    snapshot_thumb = models.FileField(upload_to="video/thumbs/%Y/%m/", blank=True)
    payload = models.JSONField(default=dict)

    class Meta:
        verbose_name = "视频告警"
        verbose_name_plural = "视频告警"
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["camera", "external_id"], name="alarm_once")]
        indexes = [
            models.Index(fields=["camera", "alarm_type", "occurred_at"], name="alarm_join"),
            # Reports and lists take a period of alarms (counts per camera, 5-5-5 per problem).
            models.Index(fields=["occurred_at"], name="alarm_occurred"),
        ]

    def __str__(self) -> str:
        return f"{self.camera_id}/{self.external_id}"
