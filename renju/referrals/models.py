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
