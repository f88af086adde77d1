"""Referred problems (上级交办/通报) and the spreadsheets they were imported from."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReferralBatch(models.Model):
    """One imported spreadsheet of 上级交办/通报 problems, with its row-by-row report."""

    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    office = models.CharField("交办单位", max_length=100, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField()
    rows = models.PositiveIntegerField("数据行", default=0)
    created = models.PositiveIntegerField(default=0)
    existing = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    # How the sheet's columns were read: [{"field": "reference", "header": "交办编号", "column": "A"}, …] and the
    # columns left unused, so whoever reads the report can see what the importer understood.
    columns = models.JSONField(default=dict)
    report = models.JSONField(default=list)  # [{"row": 3, "outcome": "created"|"existing"|"refused", …}]

    class Meta:
        verbose_name = "交办导入批次"
        verbose_name_plural = "交办导入批次"
        ordering = ["-imported_at", "-id"]
        indexes = [models.Index(fields=["sha256"], name="referral_batch_sha256")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.imported_at:%Y-%m-%d})"


class Referral(models.Model):
    """One referred problem: the office's own number for it, and the problem it became.

    An office numbers its own referrals, so (office, reference) is what makes a row the same row when the sheet, or
    an overlapping one, is imported again."""

    reference = models.CharField("交办编号", max_length=100)
    office = models.CharField("交办单位", max_length=100)
    referred_on = models.DateField("交办日期", null=True, blank=True)
    due_on = models.DateField("交办整改时限", null=True, blank=True)
    batch = models.ForeignKey(ReferralBatch, on_delete=models.PROTECT, related_name="referrals")
    problem = models.ForeignKey("problems.Problem", on_delete=models.PROTECT, related_name="referrals")
    row = models.JSONField(default=dict)  # the row as the sheet gave it, header → text

    class Meta:
        verbose_name = "上级交办问题"
        verbose_name_plural = "上级交办问题"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["office", "reference"], name="referral_office_reference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.office} {self.reference}"
