"""People and their roles. A unit handler belongs to exactly one unit and acts for it alone."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    INSPECTOR = "inspector", "现场检查人员"
    DISPATCHER = "dispatcher", "派遣员"
    SCORER = "scorer", "考核测算"
    HANDLER = "handler", "责任单位经办人"
    LEADER = "leader", "领导"
    ADMIN = "admin", "管理员"
    # A system that files problems through the API (the 12345 platform, the video-AI platform): it reports and may
    # fast-track its own confident findings to the suggested unit, nothing else.
    INTEGRATION = "integration", "接口账号"


class User(AbstractUser):
    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.INSPECTOR)
    unit = models.ForeignKey(
        "plans.Unit", verbose_name="所属单位", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    # An inspector's beat (片区): rechecks in these regions (and everything inside them) go to this inspector.
    beat = models.ManyToManyField("plans.Region", verbose_name="巡查片区", blank=True, related_name="inspectors")

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                name="handler_has_unit",
                condition=~models.Q(role="handler") | models.Q(unit__isnull=False),
            )
        ]

    @property
    def is_handler(self) -> bool:
        return self.role == Role.HANDLER

    def has_role(self, *roles: str) -> bool:
        return self.role in roles or (self.role == Role.ADMIN)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token. Only its hash is stored, so a leaked database does not leak working tokens."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"


def api_token_create(*, user: User, name: str = "") -> str:
    """Create a token for `user` and return it in clear; it cannot be shown again."""
    token = "rj_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, key_hash=hash_token(token), prefix=token[:8])
    return token
