"""A problem, its photos and its append-only event log.

`Problem.status` and the timestamps beside it are a cache of the event log, written only by
`renju.problems.lifecycle` in the same transaction as the event that explains them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Status(models.TextChoices):
    REPORTED = "reported", "已上报"
    ACCEPTED = "accepted", "已立案"
    REJECTED = "rejected", "不予立案"
    MERGED = "merged", "已合并"
    DISPATCHED = "dispatched", "已派遣"
    RETURNED = "returned", "已退回"
    RECTIFIED = "rectified", "已整改"
    REWORK = "rework", "返工"
    CLOSED = "closed", "已销号"
    LEDGERED = "ledgered", "挂账整改"
    SUSPENDED = "suspended", "暂停计时"


# A unit is on the clock in these states; overdue means: in one of them and past the deadline.
ON_THE_CLOCK = (Status.DISPATCHED, Status.REWORK)


class Source(models.TextChoices):
    INSPECTION = "inspection", "现场检查"
    DRONE = "drone", "无人机"
    VIDEO = "video", "视频AI"
    HOTLINE = "hotline", "12345热线"
    REFERRAL = "referral", "上级交办"
    SELF_CHECK = "self_check", "自查"


class Visit(models.TextChoices):
    OPEN = "open", "明查"
    COVERT = "covert", "暗访"


class ProblemQuerySet(models.QuerySet):
    def overdue(self, now=None) -> ProblemQuerySet:
        return self.filter(status__in=ON_THE_CLOCK, due_at__lt=now or timezone.now())

    def not_overdue(self, now=None) -> ProblemQuerySet:
        return self.exclude(status__in=ON_THE_CLOCK, due_at__lt=now or timezone.now())

    def visible_to(self, user) -> ProblemQuerySet:
        """What `user` may see: a unit handler only their unit's problems (and self-checks they filed)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == "handler":
            return self.filter(Q(unit_id=user.unit_id) | Q(self_check_unit_id=user.unit_id))
        return self


class Problem(models.Model):
    number = models.CharField("编号", max_length=32, unique=True)
    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, related_name="problems")
    category = models.ForeignKey("plans.Category", on_delete=models.PROTECT, related_name="problems")
    check_item = models.ForeignKey(
        "plans.CheckItem", null=True, blank=True, on_delete=models.PROTECT, related_name="problems"
    )
    description = models.TextField("问题描述")
    lat = models.FloatField("纬度")
    lng = models.FloatField("经度")
    address = models.CharField("地址", max_length=300, blank=True)
    region = models.ForeignKey("plans.Region", on_delete=models.PROTECT, related_name="problems")
    road_class = models.CharField("道路等级", max_length=32, blank=True)
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    visit = models.CharField("检查方式", max_length=8, choices=Visit.choices, default=Visit.OPEN)
    severity = models.CharField("严重程度", max_length=32)
    is_key = models.BooleanField("重点问题", default=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.REPORTED)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reported_problems")
    self_check_unit = models.ForeignKey(
        "plans.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="self_checks"
    )
    suggested_unit = models.ForeignKey("plans.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("plans.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="problems")
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged")
    # 反弹: found back at a recheck of `relapse_of`; 重复: the same place and category again within the plan's window.
    relapse_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="relapses")
    repeat_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="repeats")
    found_at = models.DateTimeField("发现时间")
    reported_at = models.DateTimeField("上报时间")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField("整改时限", null=True, blank=True)
    rectified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    client_key = models.CharField("客户端编号", max_length=64, null=True, blank=True)
    ledger_plan = models.TextField("整改方案", blank=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = "问题"
        verbose_name_plural = "问题"
        # Newest first by when it was reported; every list filter has an index that ends in that order, so a
        # page is an index range scan whatever the filter (a date range included).
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["reported_at", "id"], name="problem_reported"),
            models.Index(fields=["status", "reported_at", "id"], name="problem_status_reported"),
            models.Index(fields=["unit", "reported_at", "id"], name="problem_unit_reported"),
            models.Index(fields=["category", "reported_at", "id"], name="problem_category_reported"),
            models.Index(fields=["region", "reported_at", "id"], name="problem_region_reported"),
            models.Index(fields=["source", "reported_at", "id"], name="problem_source_reported"),
            models.Index(fields=["status", "due_at"], name="problem_status_due"),
            models.Index(fields=["found_at"], name="problem_found"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reporter", "client_key"], name="problem_client_key_unique"),
        ]

    def __str__(self) -> str:
        return self.number

    def is_overdue(self, now=None) -> bool:
        return self.status in ON_THE_CLOCK and self.due_at is not None and self.due_at < (now or timezone.now())


class ProblemEvent(models.Model):
    """One thing that happened to a problem. Never updated (a database trigger refuses UPDATE)."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    # What the problem looked like right after this event: who owned it and the deadline in force. With these the
    # log alone answers "whose was it, and was it late, at time t" (assessment replays it; nothing reads the cache).
    unit = models.ForeignKey("plans.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(null=True, blank=True)
    details = models.JSONField(default=dict)

    class Meta:
        ordering = ["problem", "seq"]
        constraints = [models.UniqueConstraint(fields=["problem", "seq"], name="event_seq_unique")]
        indexes = [
            # Dashboards and reports count events of one kind in a period.
            models.Index(fields=["action", "at"], name="event_action_at"),
            # Assessment finds the problems whose deadline fell in a month.
            models.Index(fields=["due_at"], name="event_due_at"),
        ]

    def __str__(self) -> str:
        return f"{self.problem_id}#{self.seq} {self.action}"


class Photo(models.Model):
    class Kind(models.TextChoices):
        BEFORE = "before", "整改前"
        AFTER = "after", "整改后"
        VERIFY = "verify", "核查"

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="photos")
    event = models.ForeignKey(ProblemEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="photos")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    original = models.FileField(upload_to="photos/original/%Y/%m/")
    thumbnail = models.FileField(upload_to="photos/thumb/%Y/%m/")
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    exif = models.JSONField(default=dict)
    taken_at = models.DateTimeField(null=True, blank=True)
    exif_lat = models.FloatField(null=True, blank=True)
    exif_lng = models.FloatField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    # Perceptual hash (64 bits, stored signed) and its four 16-bit bands, each leading an index, so that "is this
    # picture already on another problem?" is a few index probes (multi-index hashing: renju.problems.phash_index).
    phash = models.BigIntegerField(null=True, blank=True)
    phash_b0 = models.IntegerField(null=True, blank=True)
    phash_b1 = models.IntegerField(null=True, blank=True)
    phash_b2 = models.IntegerField(null=True, blank=True)
    phash_b3 = models.IntegerField(null=True, blank=True)
    # Doubts about an after-photo as evidence, [{"code", "message", …}], for the verifier (renju.problems.evidence).
    flags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["problem", "id"]
        # (band, problem, hash): the lookup excludes the problem itself and checks the whole hash from the index.
        indexes = [
            models.Index(fields=[band, "problem", "phash"], name=f"photo_{band}")
            for band in ("phash_b0", "phash_b1", "phash_b2", "phash_b3")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"


class NumberSequence(models.Model):
    """Last number used per prefix and day, so problem numbers are short, readable and never reused."""

    key = models.CharField(max_length=32, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class Recheck(models.Model):
    """回头看: a later visit to a closed problem's place, chosen by the plan's rules and routed by beat."""

    class Reason(models.TextChoices):
        KEY = "key", "重点问题"
        SAMPLE = "sample", "抽查"
        MANUAL = "manual", "人工"

    class Result(models.TextChoices):
        PENDING = "", "待回头看"
        CONFIRMED = "confirmed", "未反弹"
        RELAPSE = "relapse", "反弹"

    problem = models.OneToOneField(Problem, on_delete=models.PROTECT, related_name="recheck")
    due_on = models.DateField("回头看日期")
    reason = models.CharField(max_length=8, choices=Reason.choices)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="rechecks")
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=16, choices=Result.choices, blank=True, default="")
    relapse = models.ForeignKey(Problem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["inspector", "result", "due_on"], name="recheck_queue")]

    def __str__(self) -> str:
        return f"回头看 {self.problem_id} {self.due_on}"


class LedgerMilestone(models.Model):
    """One step of a ledgered problem's rectification plan (整改台账的节点), with its date and who answers for it."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="milestones")
    position = models.PositiveIntegerField()
    title = models.CharField("节点", max_length=200)
    due_on = models.DateField("节点期限")
    responsible = models.CharField("责任人", max_length=100)
    reported_done_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["problem", "position"]
        constraints = [models.UniqueConstraint(fields=["problem", "position"], name="milestone_position_unique")]

    def __str__(self) -> str:
        return f"{self.problem_id}#{self.position} {self.title}"
