"""Notifications (in the app), their deliveries over outgoing channels, where people are reached, and job runs.

A notification is written once: `(problem, kind, period, recipient)` is unique, so a scheduled job that runs twice,
or two workers that run it at once, cannot tell anyone the same thing twice. `period` says which occurrence it is:
the deadline it is about (so a deadline moved by an extension is reminded again) or the day of a daily repeat.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Kind(models.TextChoices):
    """The kinds this app writes. Other apps may write kinds of their own (the field takes any code)."""

    DUE_SOON = "due_soon", "即将到期"
    OVERDUE = "overdue", "已超期"
    OVERDUE_DAILY = "overdue_daily", "超期催办"


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # The unit the recipient is told as (a unit handler's unit); empty for the work team's own notices.
    unit = models.ForeignKey("plans.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    problem = models.ForeignKey("problems.Problem", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="notifications")
    kind = models.CharField("类型", max_length=32)
    period = models.CharField("周期", max_length=40, blank=True, default="")
    due_at = models.DateTimeField("整改时限", null=True, blank=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    # Set once deliveries over the outgoing channels have been queued for it (or none were configured).
    outgoing_queued = models.BooleanField(default=False)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            # Leading (problem, kind) also serves the jobs' "not told yet" anti-join.
            models.UniqueConstraint(fields=["problem", "kind", "period", "recipient"], name="notification_once",
                                    condition=Q(problem__isnull=False)),
            models.UniqueConstraint(fields=["kind", "period", "recipient"], name="notification_once_general",
                                    condition=Q(problem__isnull=True)),
        ]
        indexes = [
            models.Index(fields=["recipient", "created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["id"], condition=Q(outgoing_queued=False), name="notification_outgoing"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}: {self.title}"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def dedupe_key(self) -> str:
        """What the notice is about, whoever it is for: one message per channel target, however many recipients."""
        return f"{self.kind}:{self.problem_id or ''}:{self.period}"


# Labels of kinds other apps add (they may register theirs here at import time).
KIND_LABELS: dict[str, str] = dict(Kind.choices)


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


class Channel(models.TextChoices):
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"
    WEBHOOK = "webhook", "群机器人"


class Contact(models.Model):
    """Where a unit or a person is reached outside the app: an e-mail address, a mobile number, a group robot."""

    unit = models.ForeignKey("plans.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name="单位")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="contacts", verbose_name="用户")
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    target = models.CharField("地址", max_length=500, help_text="邮箱、手机号或群机器人 webhook 地址")
    note = models.CharField("说明", max_length=100, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "联系方式"
        verbose_name_plural = "联系方式"
        constraints = [
            models.CheckConstraint(name="contact_unit_or_user",
                                   condition=Q(unit__isnull=False, user__isnull=True)
                                   | Q(unit__isnull=True, user__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.unit or self.user} {self.get_channel_display()} {self.target}"


class Delivery(models.Model):
    """One message over one outgoing channel to one target: the record of what was sent, tried and failed."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField("渠道", max_length=16)
    target = models.CharField("地址", max_length=500)
    dedupe_key = models.CharField(max_length=120)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    next_attempt_at = models.DateTimeField("下次尝试")
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "外发记录"
        verbose_name_plural = "外发记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "target", "dedupe_key"], name="delivery_once"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.target} {self.status}"


class JobRun(models.Model):
    """One run of a scheduled job for one period. Unique, so a period is done once by whichever worker gets it."""

    job = models.CharField("任务", max_length=64)
    period = models.CharField("周期", max_length=40)
    worker = models.CharField("执行者", max_length=100, blank=True)
    started_at = models.DateTimeField("开始")
    finished_at = models.DateTimeField("结束", null=True, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = "定时任务记录"
        verbose_name_plural = "定时任务记录"
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="job_run_once")]
        indexes = [models.Index(fields=["started_at"], name="job_run_started")]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"
