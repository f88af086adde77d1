"""Writing notifications: who is told about a problem, what they read, and the idempotent insert.

`notify()` is the door for other apps (a recheck created, a supervision notice issued): it takes recipients and a
text and writes each notification at most once per (problem, kind, period, recipient).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from renju.accounts.models import Role, User
from renju.notify.models import Kind, Notification
from renju.notify.reminders import Due, before_hours
from renju.plans.active import PlanContext, active_plan


class NoticeRow(NamedTuple):
    """A notification to write: the columns of `Notification`, without a model instance per row (the daily repeat
    over a large backlog writes tens of thousands at once)."""

    recipient_id: int
    unit_id: int | None
    problem_id: int | None
    kind: str
    period: str
    due_at: dt.datetime | None
    title: str
    body: str
    created_at: dt.datetime


COLUMNS = (*NoticeRow._fields, "outgoing_queued")
ROWS_PER_INSERT = 1000


def notifications_insert(rows: Sequence[NoticeRow]) -> int:
    """Insert, skipping any already there (a unique key per recipient and period). Returns how many were offered.

    Plain multi-row `INSERT … ON CONFLICT DO NOTHING` (PostgreSQL, SQLite ≥ 3.24): the same statement bulk_create
    writes with ignore_conflicts, without building and preparing a model instance for every row.
    """
    if not rows:
        return 0
    ops = connection.ops
    table = ops.quote_name(Notification._meta.db_table)
    columns = ", ".join(ops.quote_name(Notification._meta.get_field(c.removesuffix("_id")).column) for c in COLUMNS)
    per_insert = max(1, min(ROWS_PER_INSERT, (connection.features.max_query_params or 999) // len(COLUMNS)))
    one = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_insert):
            chunk = rows[start:start + per_insert]
            params: list = []
            for r in chunk:
                params += [r.recipient_id, r.unit_id, r.problem_id, r.kind, r.period,
                           ops.adapt_datetimefield_value(r.due_at), r.title[:200], r.body,
                           ops.adapt_datetimefield_value(r.created_at), False]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))} "
                           f"ON CONFLICT DO NOTHING", params)
    return len(rows)


def notify(
    recipients: Iterable[User | int], *, kind: str, title: str, body: str = "", problem_id: int | None = None,
    unit_id: int | None = None, period: str = "", due_at: dt.datetime | None = None, now: dt.datetime | None = None,
) -> int:
    """Tell each recipient once; a second call with the same (problem, kind, period) for the same person adds nothing.

    Without a problem, `period` must tell occurrences apart (e.g. "2023-W41" for a weekly notice).
    """
    now = now or timezone.now()
    rows = [NoticeRow(r if isinstance(r, int) else r.pk, unit_id, problem_id, kind, period, due_at, title, body, now)
            for r in recipients]
    return notifications_insert(rows)


def handlers_by_unit(unit_ids: Iterable[int | None]) -> dict[int, list[int]]:
    """Active handler accounts of these units (one query)."""
    ids = {u for u in unit_ids if u is not None}
    found: dict[int, list[int]] = defaultdict(list)
    if ids:
        for unit_id, user_id in (User.objects.filter(role=Role.HANDLER, is_active=True, unit_id__in=ids)
                                 .order_by("id").values_list("unit_id", "id")):
            found[unit_id].append(user_id)
    return found


def dispatcher_ids() -> list[int]:
    return list(User.objects.filter(role=Role.DISPATCHER, is_active=True).order_by("id").values_list("id", flat=True))


def problem_notices(dues: Sequence[Due], now: dt.datetime, *, to_dispatchers: Iterable[str] = ()) -> list[NoticeRow]:
    """The notifications for these dues: the unit's handlers always; the dispatchers for the kinds named."""
    if not dues:
        return []
    ctx = active_plan()
    handlers = handlers_by_unit(d.unit_id for d in dues)
    team = dispatcher_ids() if any(d.kind in to_dispatchers for d in dues) else []
    out: list[NoticeRow] = []
    for due in dues:
        for user_id in handlers.get(due.unit_id, ()):
            title, body = notice_text(ctx, due, now, audience="unit")
            out.append(_row(due, user_id, due.unit_id, title, body, now))
        if due.kind in to_dispatchers:
            title, body = notice_text(ctx, due, now, audience="team")
            out.extend(_row(due, user_id, None, title, body, now) for user_id in team)
    return out


def _row(due: Due, recipient_id: int, unit_id: int | None, title: str, body: str, now: dt.datetime) -> NoticeRow:
    return NoticeRow(recipient_id, unit_id, due.problem_id, due.kind, due.period, due.due_at, title, body, now)


def notice_text(ctx: PlanContext, due: Due, now: dt.datetime, *, audience: str) -> tuple[str, str]:
    """Title and body, in the words of the work: the unit is told what to do, the work team what is slipping."""
    tz = ctx.calendar.tz
    category = ctx.categories_by_id.get(due.category_id)
    what = category.name if category else "问题"
    if due.address:
        what += f"（{due.address}）"
    unit = ctx.units_by_id.get(due.unit_id)
    unit_name = unit.name if unit else "责任单位"
    if audience == "team":
        what = f"{unit_name} · {what}"
    local = due.due_at.astimezone(tz)
    deadline = f"{local.month}月{local.day}日 {local:%H:%M}"
    left = f"剩余不足 {before_hours()} 个工作小时"
    if due.kind == Kind.DUE_SOON:
        if audience == "team":
            return f"即将超期：{due.number}（{unit_name}）", f"{what}：整改期限 {deadline}，{left}，尚未整改。"
        return f"即将到期：{due.number}", f"{what}：整改期限 {deadline}，{left}，请按时整改并提交整改结果。"
    if due.kind == Kind.OVERDUE:
        if audience == "team":
            return f"已超期：{due.number}（{unit_name}）", f"{what}：已过整改期限 {deadline}，尚未整改。"
        return f"已超期：{due.number}", f"{what}：已过整改期限 {deadline}，请尽快整改并提交整改结果。"
    if due.kind == Kind.OVERDUE_DAILY:
        days = (now.astimezone(tz).date() - local.date()).days
        return f"超期催办：{due.number}", f"{what}：已超过整改期限（{deadline}）{days} 天，请尽快整改并提交整改结果。"
    return due.number, what


def notification_mark_read(*, notices: QuerySet, notification_id: int, now: dt.datetime | None = None) -> int:
    """Mark one of `notices` (the reader's own, see `queries.notifications_for`) read; 0 when it is not theirs."""
    return notices.filter(pk=notification_id, read_at__isnull=True).update(read_at=now or timezone.now())


def notifications_mark_all_read(*, notices: QuerySet, now: dt.datetime | None = None) -> int:
    return notices.filter(read_at__isnull=True).update(read_at=now or timezone.now())
