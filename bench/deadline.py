"""Deadline computation: `WorkingCalendar.deadline` on the Chinese working calendar, per second.

What is measured: the deadline a dispatch computes (`problem_dispatch` → `ctx.calendar.deadline(at, limit)`),
with Rongcheng's working hours (08:30–12:00, 13:30–17:30, Asia/Shanghai) for a mix of time limits —
working_hours 2/4/8, working_days 1/3/5, calendar_hours 24, equally likely — and start instants drawn uniformly
over 2023-01-01 … 2026-12-20 (every year chinese-calendar knows, including the Spring Festival and National Day
weeks with their make-up Saturdays/Sundays). The calendar is the real `renju.plans.worktime.WorkingCalendar`,
built from the same JSON a plan stores.

Baseline, and why it is fair: `NaiveWeekdayCalendar` below, the same algorithm with the same working periods and
the same rules (N working days end at the close of the N-th working day after the start day; working hours are
consumed period by period), but where a working day is simply Monday–Friday (`weekday() < 5`), no holidays and
no make-up days. Both run over the same starts and limits in the same process after the same warm-up, so the
ratio is the price of consulting the official calendar (an lru_cached lookup per day walked). The benchmark also
counts how many sampled deadlines the weekday rule gets wrong: that is why the app pays the price.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections import Counter
from zoneinfo import ZoneInfo

from bench.common import Figure, fmt_rate, fmt_ratio, print_figures, print_table
from renju.plans.worktime import TimeLimit, WorkingCalendar

RONGCHENG_HOURS = {"working_hours": [["08:30", "12:00"], ["13:30", "17:30"]], "timezone": "Asia/Shanghai"}
LIMITS = [
    TimeLimit(2, "working_hours"), TimeLimit(4, "working_hours"), TimeLimit(8, "working_hours"),
    TimeLimit(1, "working_days"), TimeLimit(3, "working_days"), TimeLimit(5, "working_days"),
    TimeLimit(24, "calendar_hours"),
]
START = dt.datetime(2023, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
END = dt.datetime(2026, 12, 20, tzinfo=ZoneInfo("Asia/Shanghai"))  # 5 working days later is still in 2026


class NaiveWeekdayCalendar:
    """WorkingCalendar's rules with Monday–Friday as the only working days (no holidays, no make-up days)."""

    def __init__(self, periods: list[tuple[dt.time, dt.time]], timezone: str = "Asia/Shanghai") -> None:
        self.periods = periods
        self.tz = ZoneInfo(timezone)

    def deadline(self, start: dt.datetime, limit: TimeLimit) -> dt.datetime:
        local = start.astimezone(self.tz)
        if limit.unit == "calendar_hours":
            return local + dt.timedelta(hours=limit.amount)
        if limit.unit == "calendar_days":
            return local + dt.timedelta(days=limit.amount)
        if limit.unit == "working_days":
            day, remaining = local.date(), limit.amount
            while remaining > 0:
                day += dt.timedelta(days=1)
                if day.weekday() < 5:
                    remaining -= 1
            return dt.datetime.combine(day, self.periods[-1][1], tzinfo=self.tz)
        if limit.unit == "working_hours":
            remaining = dt.timedelta(hours=limit.amount)
            day, cursor = local.date(), local
            for _ in range(3660):
                if day.weekday() < 5:
                    for a, b in self.periods:
                        begin = max(dt.datetime.combine(day, a, tzinfo=self.tz), cursor)
                        end = dt.datetime.combine(day, b, tzinfo=self.tz)
                        if begin >= end:
                            continue
                        if remaining <= end - begin:
                            return begin + remaining
                        remaining -= end - begin
                day += dt.timedelta(days=1)
                cursor = dt.datetime.combine(day, dt.time(0, 0), tzinfo=self.tz)
            raise ValueError("working-hour limit too long to compute")
        raise ValueError(f"unknown time unit {limit.unit!r}")


def sample(n: int, seed: int) -> list[tuple[dt.datetime, TimeLimit]]:
    """n (start, limit) pairs: starts uniform over 2023–2026 to the second, limits uniform over LIMITS."""
    rng = random.Random(seed)
    span = int((END - START).total_seconds())
    return [(START + dt.timedelta(seconds=rng.randrange(span)), rng.choice(LIMITS)) for _ in range(n)]


def timed(calendar: WorkingCalendar | NaiveWeekdayCalendar, cases: list[tuple[dt.datetime, TimeLimit]],
          rounds: int) -> tuple[float, list[dt.datetime]]:
    """Best of `rounds` passes over the cases (seconds for one pass), and the deadlines of the last pass."""
    best = float("inf")
    out: list[dt.datetime] = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = [calendar.deadline(start, limit) for start, limit in cases]
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=50_000, help="(start, limit) pairs per pass (default 50,000)")
    parser.add_argument("--rounds", type=int, default=3, help="passes; the best one counts (default 3)")
    args = parser.parse_args(argv)

    calendar = WorkingCalendar.from_plan_json(RONGCHENG_HOURS)
    naive = NaiveWeekdayCalendar(calendar.periods)
    cases = sample(args.samples, seed=2023)
    warm = sample(5_000, seed=1)  # fills the is_workday cache over the whole range, for both sides alike
    for start, limit in warm:
        calendar.deadline(start, limit)
        naive.deadline(start, limit)

    t_real, real = timed(calendar, cases, args.rounds)
    t_naive, guessed = timed(naive, cases, args.rounds)
    rate_real, rate_naive = len(cases) / t_real, len(cases) / t_naive

    by_limit: Counter[str] = Counter()
    wrong_by_limit: Counter[str] = Counter()
    for (_start, limit), a, b in zip(cases, real, guessed, strict=True):
        by_limit[limit.label()] += 1
        wrong_by_limit[limit.label()] += a != b
    wrong = sum(wrong_by_limit.values())
    working = sum(n for label, n in by_limit.items() if "工作" in label)
    rows = []
    for limit in LIMITS:
        per_limit = [(s, lim) for s, lim in cases if lim == limit][:2000]
        t, _ = timed(calendar, per_limit, 1)
        label = limit.label()
        rows.append([f"{limit.amount} {limit.unit}", f"{by_limit[label]:,}", fmt_rate(len(per_limit) / t, "deadlines"),
                     f"{wrong_by_limit[label]:,}", f"{wrong_by_limit[label] / by_limit[label]:.1%}"])
    print_table(f"deadlines over {len(cases):,} random starts 2023-01-01 … 2026-12-20 (Rongcheng hours)", rows,
                header=["limit", "samples", "rate (Chinese calendar)", "weekday rule wrong", "share"])
    print(f"\nweekday rule wrong on {wrong:,} of {len(cases):,} deadlines ({wrong / len(cases):.1%}); "
          f"{wrong / working:.1%} of the {working:,} with a working-time limit")
    example = next(((s, lim, a, b) for (s, lim), a, b in zip(cases, real, guessed, strict=True) if a != b), None)
    if example:
        s, lim, a, b = example
        print(f"e.g. {lim.label()} from {s:%Y-%m-%d %a %H:%M}: calendar {a:%Y-%m-%d %a %H:%M}, "
              f"weekday rule {b:%Y-%m-%d %a %H:%M}")
    print_figures([
        Figure("deadline", fmt_rate(rate_real, "deadlines"), f"{fmt_rate(rate_naive, 'deadlines')} (Mon–Fri adder)",
               fmt_ratio(rate_real / rate_naive), "cost of the holiday calendar"),
        Figure("deadline, weekday rule wrong", f"{wrong:,} wrong", f"{working:,} working-time deadlines sampled",
               f"{wrong / working:.1%}", "why the Chinese calendar is used"),
    ])


if __name__ == "__main__":
    main()
