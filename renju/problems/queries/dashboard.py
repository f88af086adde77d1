"""The leader's one-screen view: today and this month at a glance, units ranked by on-time rate, a 30-day trend.

Every figure is a function of `now`, so a test (or a report re-run later) can ask what the screen showed at a given
moment. Each function runs a fixed number of aggregate queries whatever the number of problems: the dashboard is
open on the command-centre wall all day and refreshes every minute.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.fields.json import KT
from django.db.models.functions import TruncDate

from renju.plans.active import active_plan
from renju.problems.models import ON_THE_CLOCK, Problem, ProblemEvent, Status

TREND_DAYS = 30
# The ranking marks the best and the worst few, as the monthly bulletin praises and criticises them.
TOP, BOTTOM = 3, 5

# What each figure counts: events of one kind in the period (the event log is the truth; statuses are a cache).
EVENT_FIGURES = {
    "reported": Q(action="report"),
    "dispatched": Q(action="dispatch"),
    "rectified": Q(action="rectify"),
    "closed": Q(action="verify", to_status=Status.CLOSED),
    "on_time": Q(action="rectify", details__on_time=True),
}

STAT_LABELS = {
    "reported": "新上报",
    "dispatched": "派遣",
    "rectified": "整改反馈",
    "closed": "销号",
    "overdue": "当前超期",
    "on_time_rate": "按期整改率",
}

PERIODS = {"today": "今日", "month": "本月"}

TREND_SERIES = {"reported": "新上报", "dispatched": "派遣", "closed": "销号", "overdue": "日终超期"}


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(now: dt.datetime) -> dt.datetime:
    """Midnight of `now`'s day in the plan's city (Beijing time), as an aware datetime."""
    local = now.astimezone(local_tz())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def month_start(now: dt.datetime) -> dt.datetime:
    return day_start(now).replace(day=1)


def rate_label(rate: float | None) -> str:
    if rate is None:
        return "—"
    return f"{rate * 100:.1f}".removesuffix(".0") + "%"


def overdue_by_unit(now: dt.datetime) -> dict[int, int]:
    """Problems past their deadline and still on the clock, per unit (one query)."""
    return dict(Problem.objects.overdue(now).values_list("unit_id").annotate(n=Count("id")).order_by())


def dashboard_stats(now: dt.datetime, overdue: dict[int, int] | None = None) -> dict[str, dict]:
    """{'today': {...}, 'month': {...}}: events counted by kind in each period, overdue now, on-time rate."""
    periods = {"today": day_start(now), "month": month_start(now)}
    aggregates = {
        f"{period}_{name}": Count("id", filter=q & Q(at__gte=since))
        for period, since in periods.items()
        for name, q in EVENT_FIGURES.items()
    }
    # The month always contains today, so one pass over the month's events answers both periods.
    row = ProblemEvent.objects.filter(at__gte=min(periods.values()), at__lte=now).aggregate(**aggregates)
    overdue_now = sum((overdue if overdue is not None else overdue_by_unit(now)).values())
    stats = {}
    for period in periods:
        figures = {name: row[f"{period}_{name}"] or 0 for name in EVENT_FIGURES}
        rectified, on_time = figures["rectified"], figures.pop("on_time")
        rate = on_time / rectified if rectified else None
        figures.update(overdue=overdue_now, on_time_rate=rate, on_time_rate_label=rate_label(rate), on_time=on_time)
        stats[period] = figures
    return stats


def unit_ranking(now: dt.datetime, overdue: dict[int, int] | None = None) -> list[dict]:
    """Units ranked by this month's on-time rectification rate, best first.

    A unit appears once it has rectified something this month or has an overdue problem now; a unit with overdue
    problems and nothing rectified has no rate and ranks below every unit that has one.
    """
    rows = (
        ProblemEvent.objects.filter(action="rectify", at__gte=month_start(now), at__lte=now)
        .values("problem__unit_id")
        .annotate(total=Count("id"), on_time=Count("id", filter=Q(details__on_time=True)))
        .order_by()
    )
    rectified = {r["problem__unit_id"]: (r["total"], r["on_time"]) for r in rows}
    overdue = overdue if overdue is not None else overdue_by_unit(now)
    units = active_plan().units_by_id
    ranking = []
    for unit_id in set(rectified) | set(overdue):
        unit = units.get(unit_id)
        total, on_time = rectified.get(unit_id, (0, 0))
        rate = on_time / total if total else None
        ranking.append({
            "unit_id": unit_id,
            "code": unit.code if unit else "",
            "name": unit.name if unit else "（已停用单位）",
            "group": unit.group.name if unit and unit.group else "",
            "group_code": unit.group.code if unit and unit.group else "",
            "position": unit.position if unit else 10_000,
            "rectified": total,
            "on_time": on_time,
            "rate": rate,
            "rate_label": rate_label(rate),
            "rate_pct": round(rate * 100) if rate is not None else 0,
            "overdue": overdue.get(unit_id, 0),
        })
    ranking.sort(key=lambda r: (r["rate"] is None, -(r["rate"] or 0), -r["on_time"], r["overdue"], r["position"]))
    group_ranks: dict[str, int] = {}
    bottom_from = len(ranking) - BOTTOM + 1 if len(ranking) >= TOP + BOTTOM else len(ranking) + 1
    for rank, row in enumerate(ranking, start=1):
        row["rank"] = rank
        row["tier"] = "top" if rank <= TOP and row["rate"] is not None else "bottom" if rank >= bottom_from else ""
        group_ranks[row["group_code"]] = group_ranks.get(row["group_code"], 0) + 1
        row["group_rank"] = group_ranks[row["group_code"]]
    return ranking


def trend(now: dt.datetime, days: int = TREND_DAYS) -> dict:
    """Per day for the last `days` days (today included, Beijing dates): events of each kind, and how many problems
    were overdue at the end of the day (at `now` for today)."""
    tz = local_tz()
    first = day_start(now) - dt.timedelta(days=days - 1)
    dates = [(first + dt.timedelta(days=i)).date() for i in range(days)]
    rows = (
        ProblemEvent.objects.filter(at__gte=first, at__lte=now)
        .annotate(day=TruncDate("at", tzinfo=tz))
        .values("day")
        .annotate(**{name: Count("id", filter=EVENT_FIGURES[name]) for name in ("reported", "dispatched", "closed")})
        .order_by()
    )
    by_day = {r["day"]: r for r in rows}
    series = {
        name: [(by_day.get(d) or {}).get(name, 0) for d in dates] for name in ("reported", "dispatched", "closed")
    }
    ends = [min(now, dt.datetime.combine(d + dt.timedelta(days=1), dt.time.min, tz)) for d in dates]
    series["overdue"] = _overdue_at(ends, first, now)
    return {
        "dates": [d.isoformat() for d in dates],
        "labels": [f"{d.month}-{d.day:02d}" for d in dates],
        "series": series,
        "names": TREND_SERIES,
    }


def _overdue_at(ends: list[dt.datetime], since: dt.datetime, now: dt.datetime) -> list[int]:
    """How many problems were on the clock and past their deadline at each moment of `ends` (sorted).

    Replays the event log of the problems that could have been overdue in the window (past their deadline by now and
    not closed before it began): one query, and the deadline in force is the one each dispatch set.
    """
    candidates = Problem.objects.filter(due_at__lt=now).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=since))
    events = (
        ProblemEvent.objects.filter(problem__in=candidates.values("id"), at__lte=now)
        .annotate(due=KT("details__due_at"))
        .values_list("problem_id", "at", "to_status", "due")
        .order_by("problem_id", "seq")
    )
    counts = [0] * len(ends)
    timeline: list[tuple] = []
    current = None
    for problem_id, at, to_status, due in events.iterator(chunk_size=5000):
        if problem_id != current:
            _count_overdue(timeline, ends, counts)
            timeline, current = [], problem_id
        timeline.append((at, to_status, dt.datetime.fromisoformat(due) if due else None))
    _count_overdue(timeline, ends, counts)
    return counts


def _count_overdue(timeline: list[tuple], ends: list[dt.datetime], counts: list[int]) -> None:
    i, status, due = 0, "", None
    for k, end in enumerate(ends):
        while i < len(timeline) and timeline[i][0] <= end:
            status = timeline[i][1]
            due = timeline[i][2] or due
            i += 1
        if status in ON_THE_CLOCK and due is not None and due < end:
            counts[k] += 1


def stat_panels(stats: dict[str, dict]) -> list[dict]:
    """The two rows of figures as the page lays them out: period, then each figure with its label."""
    panels = []
    for period, title in PERIODS.items():
        figures = stats[period]
        items = []
        for key, label in STAT_LABELS.items():
            value = figures["on_time_rate_label"] if key == "on_time_rate" else figures[key]
            alert = key == "overdue" and figures[key] > 0
            items.append({"key": key, "label": label, "value": value, "alert": alert})
        panels.append({"id": f"stats-{period}", "period": period, "title": title, "items": items})
    return panels


def ranking_groups(ranking: list[dict]) -> list[dict]:
    """The ranking groups that have a unit in the ranking, in the plan's order (for the group filter)."""
    present = {r["group_code"] for r in ranking}
    groups = sorted({u.group.id: u.group for u in active_plan().units.values() if u.group}.values(),
                    key=lambda g: g.position)
    return [{"code": g.code, "name": g.name} for g in groups if g.code in present]


def dashboard(now: dt.datetime) -> dict:
    """Everything the one-screen view shows (also served as JSON for the wall's refresh)."""
    overdue = overdue_by_unit(now)
    stats = dashboard_stats(now, overdue)
    ranking = unit_ranking(now, overdue)
    return {
        "now": now,
        "stats": stats,
        "panels": stat_panels(stats),
        "ranking": ranking,
        "groups": ranking_groups(ranking),
        "trend": trend(now),
    }


def dashboard_json(data: dict) -> dict:
    """The same figures as plain JSON values."""
    return {
        "generated_at": data["now"].astimezone(local_tz()).isoformat(),
        "stats": data["stats"],
        "ranking": [{k: v for k, v in r.items() if k not in ("unit_id", "position")} for r in data["ranking"]],
        "trend": data["trend"],
    }
