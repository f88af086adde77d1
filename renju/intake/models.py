"""What each intake channel keeps beside the problem it creates: the hotline's work orders, cameras and their alarms,
drone flights and their photos, referral imports. Every record carries the sender's own id, unique, so a delivery
retried or a file imported twice never makes a second problem."""

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
    road_class = models.CharField(max_length=32, blank=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.ONLINE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Alarm(models.Model):
    """One push from the video-AI platform. `outcome` says what became of it."""

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
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    problem = models.ForeignKey("problems.Problem", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="alarms")
    snapshot_sha256 = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["camera", "external_id"], name="alarm_once")]
        indexes = [models.Index(fields=["camera", "alarm_type", "occurred_at"], name="alarm_join")]

    def __str__(self) -> str:
        return f"{self.camera_id}/{self.external_id}"


class DroneFlight(models.Model):
    code = models.CharField("架次编号", max_length=64, unique=True)
    pilot = models.CharField("飞手", max_length=50, blank=True)
    drone = models.CharField("机型", max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.code


class DronePhoto(models.Model):
    flight = models.ForeignKey(DroneFlight, on_delete=models.PROTECT, related_name="photos")
    original = models.FileField(upload_to="drone/original/%Y/%m/")
    thumbnail = models.FileField(upload_to="drone/thumb/%Y/%m/", blank=True)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    altitude = models.FloatField("海拔", null=True, blank=True)
    relative_altitude = models.FloatField("相对高度", null=True, blank=True)
    gimbal_yaw = models.FloatField(null=True, blank=True)
    gimbal_pitch = models.FloatField(null=True, blank=True)
    metadata = models.JSONField(default=dict)
    problem = models.ForeignKey("problems.Problem", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="drone_photos")
    error = models.CharField(max_length=200, blank=True)  # why the photo could not be read or placed

    class Meta:
        ordering = ["flight", "taken_at", "id"]
        constraints = [models.UniqueConstraint(fields=["flight", "sha256"], name="drone_photo_once")]

    def __str__(self) -> str:
        return self.filename


class ReferralBatch(models.Model):
    """One imported spreadsheet of 上级交办/通报 problems, with its row-by-row report."""

    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    office = models.CharField("交办单位", max_length=100, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField()
    created = models.PositiveIntegerField(default=0)
    existing = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list)  # [{"row": 3, "outcome": "created"|"existing"|"refused", …}]

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.imported_at:%Y-%m-%d})"


class Referral(models.Model):
    reference = models.CharField("交办编号", max_length=100, unique=True)
    office = models.CharField("交办单位", max_length=100, blank=True)
    referred_on = models.DateField(null=True, blank=True)
    batch = models.ForeignKey(ReferralBatch, on_delete=models.PROTECT, related_name="referrals")
    problem = models.ForeignKey("problems.Problem", on_delete=models.PROTECT, related_name="referrals")
    row = models.JSONField(default=dict)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.reference
