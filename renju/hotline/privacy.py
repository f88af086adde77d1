"""Callers' names and numbers are personal data (个人信息保护法): one place decides who sees them and how they are
masked, and every page, API answer and export of this app reads them through here.

Only the roles the plan lists in `intake.hotline.unmasked_roles` see them in full. Everyone else sees 张** and
138****5678. The caller's number (and name) are also taken out of the complaint text before it becomes a problem's
description, because units and inspectors read descriptions and callers often say "我电话是138…".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from renju.plans.active import active_plan

# Mobile numbers (1[3-9]x), and landlines with an area code (0631-7551234): the shapes 12345 texts carry.
PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}-?\d{7,8})(?!\d)")


def unmasked_roles() -> frozenset[str]:
    return frozenset(active_plan().plan.intake.get("hotline", {}).get("unmasked_roles", ["dispatcher", "admin"]))


def sees_callers(user) -> bool:
    """Whether `user` may read callers' names and numbers in full (by role, as the plan says; nobody else)."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.role in unmasked_roles()


def mask_name(name: str) -> str:
    """张三丰 → 张**: the surname stays, the length of the given name does not show."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else ""


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; shorter numbers keep only their last two digits."""
    digits = re.sub(r"\D", "", phone or "")
    if not digits:
        return ""
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * (len(digits) - 2) + digits[-2:] if len(digits) > 2 else "*" * len(digits)


def redact(text: str, *, name: str = "", phone: str = "") -> str:
    """The text with phone numbers masked and the caller's name replaced, for readers who may not see them."""
    out = PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text or "")
    name = (name or "").strip()
    if len(name) >= 2:
        out = out.replace(name, mask_name(name))
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 7 and digits in out:
        out = out.replace(digits, mask_phone(digits))
    return out


@dataclass(frozen=True)
class CallerView:
    name: str
    phone: str
    masked: bool


def caller_for(order, user) -> CallerView:
    """The caller as `user` may see them."""
    if sees_callers(user):
        return CallerView(order.caller_name, order.caller_phone, False)
    return CallerView(mask_name(order.caller_name), mask_phone(order.caller_phone), True)


def content_for(order, user) -> str:
    """The complaint text as `user` may read it."""
    if sees_callers(user):
        return order.content
    return redact(order.content, name=order.caller_name, phone=order.caller_phone)
