"""A realistic synthetic month of work, up to now, played through the real lifecycle functions.

Every problem is filed, accepted, dispatched, returned, rectified, verified or reworked by the demo accounts at
plausible working-day times, so the event log, deadlines and overdue problems are what the system itself would
have produced. Deterministic for a given seed and day.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import shapely
from django.db import transaction
from django.utils import timezone

from renju.accounts.models import User
from renju.plans.active import active_plan
from renju.plans.geo import region_index
from renju.problems import lifecycle
from renju.problems.demo_photos import synthetic_jpeg
from renju.problems.models import Problem, Source, Status
from renju.problems.photos import photo_prepare
from renju.problems.rechecks import rechecks_create

SOURCES = [
    (Source.INSPECTION, 50), (Source.VIDEO, 15), (Source.HOTLINE, 15), (Source.DRONE, 8),
    (Source.REFERRAL, 6), (Source.SELF_CHECK, 6),
]
STREETS = ["文化路", "成山大道", "石岛大道", "观海路", "府新街", "青山路", "海滨路", "世纪大道", "黄海路", "龙山路"]
DETAILS = [
    "路边", "绿化带内", "店铺门前", "小区出入口", "公交站台旁", "村道两侧", "河道沿岸", "市场周边", "路口", "广场",
]


@dataclass
class DemoResult:
    created: int
    skipped: bool


def demo_problems_create(*, days: int = 30, per_day: int = 20, seed: int = 2023, now=None) -> DemoResult:
    """Create the demo month unless problems already exist (so running it twice adds nothing)."""
    if Problem.objects.exists():
        return DemoResult(0, True)
    now = now or timezone.now()
    with transaction.atomic():  # all of the demo month or none of it
        return _create(days, per_day, seed, now)


def _create(days: int, per_day: int, seed: int, now: dt.datetime) -> DemoResult:
    gen = _Generator(random.Random(seed), now)
    created = 0
    start_day = (now - dt.timedelta(days=days)).astimezone(gen.tz).date()
    for offset in range(days + 1):
        day = start_day + dt.timedelta(days=offset)
        for _ in range(gen.rng.randint(per_day // 2, per_day + per_day // 2)):
            reported_at = gen.moment(day)
            if reported_at >= now:
                continue
            gen.play(reported_at)
            created += 1
    gen.extensions()
    gen.ledger()
    rechecks_create(now)  # the week-after rechecks the worker would have drawn by now
    return DemoResult(created, False)


class _Generator:
    def __init__(self, rng: random.Random, now: dt.datetime) -> None:
        self.rng = rng
        self.now = now
        self.ctx = active_plan()
        self.tz = self.ctx.calendar.tz
        self.index = region_index()
        self.users = {u.username: u for u in User.objects.select_related("unit")}
        self.handlers = {u.unit_id: u for u in self.users.values() if u.role == "handler"}
        self.inspectors = [self.users["inspector"], self.users["inspector2"]]
        self.dispatcher = self.users["dispatcher"]
        self.categories = list(self.ctx.categories.values())
        self.leaves = [(rid, g) for rid, g in zip(self.index.leaf_ids.tolist(), self.index.leaf_geoms, strict=True)]
        # Descriptions name the village or community, as people do, not the grid.
        self.place_names = {rid: self.index.ancestors(rid)[min(1, len(self.index.ancestors(rid)) - 1)].name
                            for rid, _ in self.leaves}
        self.recent: list[Problem] = []
        self.photo_seed = 0

    def extensions(self) -> None:
        """A few units ask for more time on open problems; the dispatcher approves some and leaves some waiting."""
        open_problems = list(Problem.objects.filter(status=Status.DISPATCHED).order_by("id")[:40:5])
        for i, problem in enumerate(open_problems):
            at = min(self.now, problem.dispatched_at + dt.timedelta(hours=2))
            handler = self.handlers.get(problem.unit_id)
            if handler is None:
                continue
            lifecycle.problem_extension_request(
                actor=handler, problem_id=problem.id, until=problem.due_at + dt.timedelta(days=2),
                reason="需协调产权单位共同整改，申请延期两天", at=at,
            )
            if i % 2 == 0:
                lifecycle.problem_extension_decide(actor=self.dispatcher, problem_id=problem.id, approve=True,
                                                   at=min(self.now, at + dt.timedelta(hours=1)))

    def ledger(self) -> None:
        """Two hard problems go on the rectification ledger, one with its first milestone done and verified."""
        candidates = list(Problem.objects.filter(status=Status.DISPATCHED).order_by("-id")[:6:3])
        today = self.now.astimezone(self.tz).date()
        for i, problem in enumerate(candidates):
            handler = self.handlers.get(problem.unit_id)
            if handler is None:
                continue
            lifecycle.problem_ledger(
                actor=self.dispatcher, problem_id=problem.id, at=self.now,
                plan="涉及违章建筑拆除和场地硬化，工程量大，分步整改：先拆除、再清运、后硬化绿化。",
                milestones=[
                    {"title": "拆除违章搭建", "due_on": today + dt.timedelta(days=7), "responsible": "王建国"},
                    {"title": "清运建筑垃圾", "due_on": today + dt.timedelta(days=20), "responsible": "李志强"},
                    {"title": "场地硬化绿化", "due_on": today + dt.timedelta(days=45), "responsible": "张海燕"},
                ],
            )
            if i == 0:
                lifecycle.problem_ledger_progress(
                    actor=handler, problem_id=problem.id, milestone=1, note="违章搭建已全部拆除", done=True,
                    photos=[self.photo(problem.lat, problem.lng, self.now, after=True)], at=self.now,
                )
                lifecycle.problem_milestone_verify(actor=self.inspectors[0], problem_id=problem.id, milestone=1,
                                                   result="pass", at=self.now)

    def moment(self, day: dt.date) -> dt.datetime:
        hour = self.rng.choice([8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17, 19])
        return dt.datetime(day.year, day.month, day.day, hour, self.rng.randint(0, 59), tzinfo=self.tz)

    def later(self, at: dt.datetime, low_hours: float, high_hours: float) -> dt.datetime:
        return at + dt.timedelta(hours=self.rng.uniform(low_hours, high_hours))

    def point(self) -> tuple[int, float, float]:
        region_id, geom = self.rng.choice(self.leaves)
        min_x, min_y, max_x, max_y = geom.bounds
        for _ in range(200):
            lng, lat = self.rng.uniform(min_x, max_x), self.rng.uniform(min_y, max_y)
            if geom.contains(shapely.Point(lng, lat)):
                return region_id, round(lat, 6), round(lng, 6)
        centre = geom.representative_point()
        return region_id, round(centre.y, 6), round(centre.x, 6)

    def photo(self, lat: float, lng: float, at: dt.datetime, after: bool):
        self.photo_seed += 1
        data = synthetic_jpeg(seed=self.photo_seed, lat=lat, lng=lng, taken_at=at, after=after)
        return photo_prepare(data, f"IMG_{self.photo_seed:05d}.jpg")

    def play(self, reported_at: dt.datetime) -> None:
        rng = self.rng
        source = rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0]
        category = rng.choice(self.categories)
        region_id, lat, lng = self.point()
        place = self.place_names[region_id]
        severity = rng.choices(self.ctx.severity_codes, weights=[80, 15, 5][: len(self.ctx.severity_codes)])[0]
        reporter = rng.choice(self.inspectors) if source not in (Source.SELF_CHECK, Source.HOTLINE) else None
        if source == Source.HOTLINE:
            reporter = self.dispatcher
        if source == Source.SELF_CHECK:
            from renju.problems.routing import territorial_unit

            unit = territorial_unit(self.ctx, self.index, region_id)
            reporter = self.handlers.get(unit.id) if unit else None
            if reporter is None:
                source, reporter = Source.INSPECTION, self.inspectors[0]
        found_at = reported_at - dt.timedelta(minutes=rng.randint(2, 90))
        problem = lifecycle.problem_report(
            actor=reporter,
            category=category.code,
            lat=lat,
            lng=lng,
            description=f"{place}{rng.choice(STREETS)}{rng.choice(DETAILS)}发现{category.name}，请尽快整改。",
            source=source,
            address=f"荣成市{place}{rng.choice(STREETS)}{rng.randint(1, 300)}号附近",
            found_at=found_at,
            severity=severity,
            visit="covert" if rng.random() < 0.2 else "open",
            is_key=rng.random() < 0.06,
            photos=[self.photo(lat, lng, found_at, after=False)] if source != Source.HOTLINE else [],
            at=reported_at,
        )
        self._progress(problem, reported_at)
        self.recent = (self.recent + [problem])[-40:]

    def waiting(self, at: dt.datetime) -> bool:
        """Recent work is more often still waiting for its next step, as in any real queue."""
        age_days = (self.now - at).total_seconds() / 86400
        chance = 0.45 if age_days < 1 else 0.15 if age_days < 3 else 0.0
        return at >= self.now or self.rng.random() < chance

    def _progress(self, problem: Problem, at: dt.datetime) -> None:
        rng = self.rng
        at = self.later(at, 0.2, 3)
        if problem.status == Status.DISPATCHED:  # a self-check: the unit's own from the start
            self._rectify_and_verify(problem, at)
            return
        if self.waiting(at):
            return
        roll = rng.random()
        if roll < 0.04:
            lifecycle.problem_reject(actor=self.dispatcher, problem_id=problem.id,
                                     reason="经核实不属于本次整治范围", at=at)
            return
        if roll < 0.07 and self.recent:
            original = rng.choice(self.recent)
            status = Problem.objects.values_list("status", flat=True).get(pk=original.id)
            if status not in (Status.MERGED, Status.REJECTED):
                lifecycle.problem_merge(actor=self.dispatcher, problem_id=problem.id, into=original.id,
                                        note="同一位置重复上报", at=at)
                return
        lifecycle.problem_accept(actor=self.dispatcher, problem_id=problem.id, at=at)
        at = self.later(at, 0.1, 2)
        if self.waiting(at):
            return
        problem = lifecycle.problem_dispatch(actor=self.dispatcher, problem_id=problem.id, at=at)
        if rng.random() < 0.07:
            at = self.later(at, 1, 8)
            if at >= self.now:
                return
            handler = self.handlers.get(problem.unit_id)
            lifecycle.problem_return(actor=handler, problem_id=problem.id, reason="不属于本单位管辖范围，申请改派",
                                     at=at)
            at = self.later(at, 0.5, 4)
            if self.waiting(at):
                return
            other = rng.choice([u for u in self.ctx.units.values() if u.id != problem.unit_id])
            problem = lifecycle.problem_dispatch(actor=self.dispatcher, problem_id=problem.id, unit=other.code,
                                                 reason="经核实属该单位职责，改派", at=at)
        self._rectify_and_verify(problem, at)

    def _rectify_and_verify(self, problem: Problem, at: dt.datetime) -> None:
        rng = self.rng
        handler = self.handlers.get(problem.unit_id)
        for attempt in range(3):
            allowed = (problem.due_at - at).total_seconds() / 3600
            # Most units fix it in time; some run late, and a few never get round to it.
            if rng.random() < 0.08:
                return
            hours = rng.uniform(0.1, max(0.2, allowed * 0.9)) if rng.random() < 0.8 else allowed * rng.uniform(1, 2)
            at = at + dt.timedelta(hours=max(hours, 0.1))
            if at >= self.now:
                return
            problem = lifecycle.problem_rectify(
                actor=handler, problem_id=problem.id, note="已组织人员清理整改完毕",
                photos=[self.photo(problem.lat, problem.lng, at, after=True)], at=at,
            )
            at = self.later(at, 1, 20)
            if at >= self.now:
                return
            fail = attempt == 0 and rng.random() < 0.1
            problem = lifecycle.problem_verify(
                actor=rng.choice(self.inspectors), problem_id=problem.id, result="fail" if fail else "pass",
                reason="现场仍有残留垃圾，整改不彻底" if fail else "", at=at,
            )
            if not fail:
                return
