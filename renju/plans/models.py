"""The plan as data: tasks, standards, categories, units, ranking groups, regions, routing and time limits.

Rows here are written only by the plan and region loaders; everything else reads them.
"""

from __future__ import annotations

from django.db import models


class Region(models.Model):
    """A place with a boundary: city → area → town/street → village/community → grid."""

    class Kind(models.TextChoices):
        CITY = "city", "市"
        AREA = "area", "功能区"
        TOWN = "town", "镇"
        STREET = "street", "街道"
        VILLAGE = "village", "村"
        COMMUNITY = "community", "社区"
        GRID = "grid", "网格"

    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    boundary = models.JSONField("边界 (GeoJSON geometry)")
    min_lng = models.FloatField()
    min_lat = models.FloatField()
    max_lng = models.FloatField()
    max_lat = models.FloatField()
    demo = models.BooleanField("演示数据", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "区域"
        verbose_name_plural = "区域"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    code = models.CharField(max_length=64, unique=True)
    name = models.CharField("方案名称", max_length=200)
    document = models.CharField("文号", max_length=100, blank=True)
    issued_by = models.CharField("发文单位", max_length=100, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    city_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    number_prefix = models.CharField(max_length=6)
    working_calendar = models.JSONField()
    default_time_limit = models.JSONField()
    follow_up = models.JSONField(default=dict)
    assessment = models.JSONField(default=dict)
    intake = models.JSONField(default=dict)
    severities = models.JSONField()
    road_classes = models.JSONField(default=dict)
    content_hash = models.CharField(max_length=64)
    source_path = models.CharField(max_length=500, blank=True)
    loaded_at = models.DateTimeField(auto_now=True)
    is_active = models.BooleanField(default=False)

    class Meta:
        verbose_name = "整治方案"
        verbose_name_plural = "整治方案"
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=models.Q(is_active=True), name="one_active_plan")
        ]

    def __str__(self) -> str:
        return self.name

    def severity_name(self, code: str) -> str:
        return next((s["name"] for s in self.severities if s["code"] == code), code)


class Phase(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="phases")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=100)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="phase_code_unique")]

    def __str__(self) -> str:
        return self.name


class RankingGroup(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="ranking_groups")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="group_code_unique")]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A responsible unit (责任单位). Territorial units answer for a region."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="units")
    code = models.CharField("编码", max_length=64)
    name = models.CharField("名称", max_length=100)
    full_name = models.CharField("全称", max_length=200, blank=True)
    kind = models.CharField(max_length=16)
    group = models.ForeignKey(RankingGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="units")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="units")
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位"
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unit_code_unique")]

    def __str__(self) -> str:
        return self.name


class Standard(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="standards")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="standard_code_unique")]

    def __str__(self) -> str:
        return self.name


class CheckItem(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=64)
    text = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["standard", "position"]
        constraints = [models.UniqueConstraint(fields=["standard", "code"], name="check_item_code_unique")]

    def __str__(self) -> str:
        return self.text


class Task(models.Model):
    class Domain(models.TextChoices):
        URBAN = "urban", "城区、镇街驻地"
        RURAL = "rural", "农村"
        SCENIC = "scenic", "旅游景区"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    number = models.PositiveIntegerField()
    domain = models.CharField(max_length=16, choices=Domain.choices)
    title = models.CharField(max_length=200)
    requirements = models.JSONField(default=list)
    standards = models.ManyToManyField(Standard, blank=True, related_name="tasks")

    class Meta:
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="task_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class TaskUnit(models.Model):
    """One entry of a task's responsible-unit list; position 0 leads. `marker` stands for 各区镇街 / 各部门、单位."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="task_units")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="task_units")
    marker = models.CharField(max_length=32, blank=True)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["task", "position"]

    def __str__(self) -> str:
        return self.unit.name if self.unit else self.marker


class Category(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="categories")
    code = models.CharField("编码", max_length=64)
    name = models.CharField("名称", max_length=100)
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="categories")
    national_code = models.CharField("国标编码", max_length=5, blank=True)
    check_items = models.ManyToManyField(CheckItem, blank=True, related_name="categories")
    keywords = models.JSONField(default=list)
    time_limit = models.JSONField(null=True, blank=True)
    time_limits = models.JSONField(default=dict)
    default_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    territorial = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "问题类型"
        verbose_name_plural = "问题类型"
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="category_code_unique")]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="routing_rules")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    match = models.JSONField()
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    territorial = models.BooleanField(default=False)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "position"]

    def __str__(self) -> str:
        return self.name
