"""Assessment runs (a month scored as a draft, published, corrected by a new version) and scorers' adjustments.

A published run and everything under it is frozen: `renju.assessment.runs` never writes to it again, and a
correction is a new version with its reason, compared line by line with the one it replaces.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AssessmentRun(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        SUPERSEDED = "superseded", "已更正"
        DISCARDED = "discarded", "已作废"

    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, related_name="assessment_runs")
    period = models.CharField("考核月份", max_length=7)  # 2023-10
    version = models.PositiveIntegerField("版本")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    cutoff = models.DateTimeField("数据截止")
    rules = models.JSONField("考核规则")  # the plan's rules as used, so a later plan edit cannot rewrite history
    rules_hash = models.CharField(max_length=64)
    notes = models.JSONField(default=list)
    reason = models.TextField("更正原因", blank=True)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    computed_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["-period", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "period", "version"], name="run_version_unique"),
            # At most one draft and one published version of a month at any time.
            models.UniqueConstraint(fields=["plan", "period"], condition=models.Q(status="draft"),
                                    name="run_one_draft"),
            models.UniqueConstraint(fields=["plan", "period"], condition=models.Q(status="published"),
                                    name="run_one_published"),
        ]

    def __str__(self) -> str:
        return f"{self.period} v{self.version} {self.status}"

    @property
    def label(self) -> str:
        year, month = self.period.split("-")
        return f"{year}年{int(month)}月"


class UnitScore(models.Model):
    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="unit_scores")
    unit = models.ForeignKey("plans.Unit", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=64)
    group_name = models.CharField(max_length=100)
    group_position = models.PositiveIntegerField()
    position = models.PositiveIntegerField()
    counts = models.JSONField(default=dict)
    rates = models.JSONField(default=dict)
    indicator_scores = models.JSONField(default=dict)
    deductions = models.FloatField("扣分")
    bonus = models.FloatField("加分")
    deduction_score = models.FloatField()
    composite = models.FloatField("综合指标分")
    score = models.FloatField("得分")
    rank = models.PositiveIntegerField("名次")
    tied = models.BooleanField(default=False)
    praised = models.BooleanField(default=False)
    bottom = models.BooleanField(default=False)
    escalated = models.BooleanField(default=False)
    payment_percent = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["group_position", "rank", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "unit"], name="unit_score_unique")]

    def __str__(self) -> str:
        return f"{self.run} {self.unit_id}: {self.score}"


class ScoreLine(models.Model):
    """One deduction or bonus, with its rule and problem: how a unit's score adds up."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="lines")
    unit = models.ForeignKey("plans.Unit", on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(max_length=64)
    rule_name = models.CharField(max_length=100)
    points = models.FloatField()
    counted = models.FloatField()
    at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    problem = models.ForeignKey("problems.Problem", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    problem_number = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["run", "unit", "at", "id"]
        indexes = [models.Index(fields=["run", "unit"], name="line_run_unit")]

    def __str__(self) -> str:
        return f"{self.rule} {self.counted:+g} {self.problem_number}"


class StaffScore(models.Model):
    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="staff_scores")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16)
    counts = models.JSONField(default=dict)
    indicators = models.JSONField(default=dict)
    score = models.FloatField()
    grade = models.CharField(max_length=16)

    class Meta:
        ordering = ["role", "-score"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.score} {self.grade}"


class Adjustment(models.Model):
    """A scorer's input to a month: praise (表扬加分) or waiving one deduction after an appeal (申诉核减)."""

    class Kind(models.TextChoices):
        PRAISE = "praise", "表扬加分"
        WAIVE = "waive", "核减扣分"

    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=7)
    unit = models.ForeignKey("plans.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    points = models.FloatField(default=0)
    rule = models.CharField(max_length=64, blank=True)
    problem = models.ForeignKey("problems.Problem", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    reason = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["period", "id"]

    def __str__(self) -> str:
        return f"{self.period} {self.kind} {self.unit_id} {self.points:g}"
