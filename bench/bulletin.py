"""Making the monthly bulletin (月通报) for a plan with 100 units: seconds for the .docx, and for the PDF.

What is measured: `renju.reports.registry.produce("monthly", period, fmt=…)` for October 2023 — what `renju report
monthly --period 2023-10` and the download view call: the month's published run read back, the month's figures
from the problems and the event log, the ranking table and chart of each group, the typical problems with their
before and after photos, praise, criticism, escalation, the service companies' payment, written as a GB/T 9704
style .docx; the PDF is that .docx through LibreOffice (only where `soffice` is installed). Best of `--reps`
(default 3) after a warm-up for the .docx; `--pdf-reps` (default 2) PDF conversions, each with LibreOffice's
start-up (as the app does it: one fresh `soffice` per document).

Baseline (same run): `bulletin_data` alone — the queries and the stored run read back, no document — so the ratio
says what laying out the document costs on top of reading what it says. Also printed for scale: `compute_month`
for the same month (scoring it from the event log).

Data, built in a temp dir on SQLite (or on PostgreSQL with `--database-url …/renju_bench_bulletin`, created and
dropped): the demo regions; a variant of the Rongcheng 2023 plan with 100 units (the plan file read, 50 synthetic
units added across the four ranking groups — 15 to 镇街, 15 to 市直部门, 10 to 上级驻荣单位, 10 to 国有企业 — and
written as YAML to the temp dir at run time, then loaded with the app's own `plan_load`); the demo accounts (a
handler per unit); `--problems` (default 3,000) problems found in October 2023 and half as many in September,
spread over the 100 units, each with its event history (report → reject | merge | accept → dispatch with the plan's
working-calendar deadline → a few returned and re-dispatched → rectified, mostly on time → verified, some failing
and reworked → closed; some still open at 2023-11-10), written with `bulk_create` (the lifecycle would take ~10
minutes for them); plus, through the lifecycle itself with synthetic photos, 6 key problems (closed with before and
after photos) and 2 relapses found at a recheck of a September problem — the bulletin's 典型问题. Two units get
praise points from the scorers; September and October are drafted and published by the scorer (so October's
escalation sees September's bottom two).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.common import PLAN_FILE, REGIONS_FILE, Figure, fmt_ratio, print_figures, print_table

PERIOD = "2023-10"
HORIZON = dt.datetime(2023, 11, 10, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
EXTRA_UNITS = {  # ranking group → (how many synthetic units, their kind, a name stem)
    "towns": (15, "other", "示范片区"),
    "departments": (15, "department", "市直单位"),
    "stationed": (10, "stationed", "驻荣单位"),
    "soe": (10, "soe", "国企"),
}
DESCRIPTIONS = ["路边暴露垃圾未清理", "绿化带内堆放杂物", "墙体乱贴乱画小广告", "道路破损坑洼积水", "沿街商户占道经营",
                "河道漂浮物较多", "建筑垃圾随意倾倒", "公厕保洁不到位"]


def variant_plan(directory: Path) -> Path:
    """The Rongcheng plan with 50 synthetic units added (100 in all), written to `directory`."""
    import yaml

    doc = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    for group, (count, kind, stem) in EXTRA_UNITS.items():
        for i in range(1, count + 1):
            doc["units"].append({"code": f"bench_{group}_{i:02d}", "name": f"{stem}{i:02d}",
                                 "full_name": f"荣成市{stem}{i:02d}", "kind": kind, "group": group})
    path = directory / "rongcheng-2023-100-units.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def setup_reference(directory: Path) -> int:
    """Migrate, load regions, the 100-unit plan and the demo accounts; returns the number of active units."""
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from renju.accounts.demo import demo_users_ensure
    from renju.plans.plan_loader import plan_load
    from renju.plans.region_loader import regions_load

    call_command("migrate", interactive=False, verbosity=0)
    regions_load(REGIONS_FILE)
    result = plan_load(variant_plan(directory))
    demo_users_ensure(result.plan)
    return result.plan.units.filter(active=True).count()


def _local(year: int, month: int, day: int, hour: float) -> dt.datetime:
    tz = dt.timezone(dt.timedelta(hours=8))
    return dt.datetime(year, month, day, tzinfo=tz) + dt.timedelta(hours=hour)


def bulk_month(year: int, month: int, n: int, rng: random.Random, first_number: int) -> tuple[int, int]:
    """n problems found in the month with their whole event histories, by bulk_create; returns (problems, events)."""
    from renju.accounts.models import Role, User
    from renju.plans.active import active_plan
    from renju.plans.geo import region_index
    from renju.problems.lifecycle.core import rework_time_limit
    from renju.problems.models import Problem, ProblemEvent
    from renju.problems.routing import time_limit_for

    ctx = active_plan()
    index = region_index()
    leaves = [int(i) for i in index.leaf_ids]
    points = {int(index.leaf_ids[k]): index.leaf_geoms[k].representative_point() for k in range(len(leaves))}
    units = sorted((u for u in ctx.units.values() if u.active), key=lambda u: u.position)
    weights = [rng.uniform(0.3, 1.7) for _ in units]  # some units get more problems than others
    categories = sorted(ctx.categories.values(), key=lambda c: c.code)
    users = {u.username: u for u in User.objects.all()}
    handler = {u.unit_id: u for u in User.objects.filter(role=Role.HANDLER)}
    dispatcher, inspectors = users["dispatcher"], [users["inspector"], users["inspector2"]]
    days = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.date(year, month, 1)).days
    problems: list[Problem] = []
    stories: list[list[tuple]] = []
    for i in range(n):
        found = _local(year, month, 1 + rng.randrange(days), rng.uniform(7, 19))
        reported = found + dt.timedelta(minutes=rng.uniform(1, 90))
        unit = rng.choices(units, weights)[0]
        category = rng.choice(categories)
        severity = rng.choices(["normal", "major", "urgent"], [80, 15, 5])[0]
        leaf = rng.choice(leaves)
        r = rng.random()
        events: list[tuple] = [("report", reported, "reported", None, None, rng.choice(inspectors), {})]
        t = reported + dt.timedelta(hours=rng.uniform(0.2, 4))
        if r < 0.035:
            events.append(("reject", t, "rejected", None, None, dispatcher, {"reason": "不属于整治范围"}))
        elif r < 0.05:
            events.append(("merge", t, "merged", None, None, dispatcher, {"note": "重复上报"}))
        else:
            events.append(("accept", t, "accepted", None, None, dispatcher, {}))
            limit = time_limit_for(ctx, category, severity)
            t += dt.timedelta(hours=rng.uniform(0.1, 4))
            due = ctx.calendar.deadline(t, limit)
            owner = unit
            events.append(("dispatch", t, "dispatched", owner, due, dispatcher, {"unit": owner.code}))
            fate = rng.random()
            if fate < 0.035:  # not theirs: returned, and re-dispatched to another unit
                t += dt.timedelta(hours=rng.uniform(0.5, 12))
                events.append(("return", t, "returned", owner, due, handler[owner.id], {"reason": "不属于本单位职责"}))
                owner = rng.choice([u for u in units if u.id != owner.id])
                t += dt.timedelta(hours=rng.uniform(0.2, 6))
                due = ctx.calendar.deadline(t, limit)
                events.append(("dispatch", t, "dispatched", owner, due, dispatcher,
                               {"unit": owner.code, "redispatch": True}))
            if fate < 0.98:  # 2% are never rectified
                span = due - t
                t = (t + span * rng.uniform(0.1, 0.95)) if rng.random() < 0.88 else (
                    due + dt.timedelta(days=rng.uniform(0.05, 4)))
                events.append(("rectify", t, "rectified", owner, due, handler[owner.id], {"note": "已整改"}))
                t += dt.timedelta(hours=rng.uniform(0.3, 30))
                if rng.random() < 0.08:
                    rework_due = ctx.calendar.deadline(t, rework_time_limit(ctx, _Stub(category, severity)))
                    events.append(("verify", t, "rework", owner, rework_due, rng.choice(inspectors),
                                   {"result": "fail", "reason": "整改不到位"}))
                    t += dt.timedelta(hours=rng.uniform(1, 30))
                    events.append(("rectify", t, "rectified", owner, rework_due, handler[owner.id], {"note": "已返工"}))
                    t += dt.timedelta(hours=rng.uniform(0.3, 20))
                    due = rework_due
                events.append(("verify", t, "closed", owner, due, rng.choice(inspectors), {"result": "pass"}))
        events = [e for e in events if e[1] <= HORIZON]
        last = events[-1]
        point = points[leaf]
        problems.append(Problem(
            number=f"RC-{found.strftime('%Y%m%d')}-B{first_number + i:05d}", plan=ctx.plan, category=category,
            description=rng.choice(DESCRIPTIONS), lat=round(point.y, 6), lng=round(point.x, 6),
            address=f"演示路{rng.randrange(1, 300)}号", region_id=leaf, source=rng.choice(
                ["inspection", "inspection", "hotline", "video", "drone", "referral"]),
            visit="covert" if rng.random() < 0.1 else "open", severity=severity, is_key=False, status=last[2],
            reporter=events[0][5], suggested_unit=unit, unit=last[3], found_at=found, reported_at=reported,
            dispatched_at=max((e[1] for e in events if e[0] == "dispatch"), default=None), due_at=last[4],
            rectified_at=max((e[1] for e in events if e[0] == "rectify"), default=None),
            closed_at=last[1] if last[2] == "closed" else None, version=len(events)))
        stories.append(events)
    Problem.objects.bulk_create(problems, batch_size=500)
    rows = []
    for problem, events in zip(problems, stories, strict=True):
        previous = ""
        for seq, (action, at, status, unit, due, actor, details) in enumerate(events, start=1):
            rows.append(ProblemEvent(problem=problem, seq=seq, action=action, actor=actor, at=at,
                                     from_status=previous, to_status=status, unit=unit, due_at=due,
                                     details=details))
            previous = status
    ProblemEvent.objects.bulk_create(rows, batch_size=1000)
    merged = [p for p in problems if p.status == "merged"]
    for p in merged:  # merged into the problem filed before it
        Problem.objects.filter(pk=p.pk).update(merged_into_id=p.pk - 1)
    return len(problems), len(rows)


class _Stub:
    """What `rework_time_limit` reads of a problem."""

    def __init__(self, category, severity: str) -> None:
        self.category, self.severity = category, severity


def typical_problems() -> int:
    """6 key problems closed with before/after photos, and 2 relapses found at a recheck, through the lifecycle."""
    from shapely.geometry import shape

    from renju.accounts.models import User
    from renju.plans.models import Region
    from renju.problems import lifecycle
    from renju.problems.demo_photos import synthetic_jpeg
    from renju.problems.photos import photo_prepare

    users = {u.username: u for u in User.objects.select_related("unit")}
    towns = ["371082001", "371082002", "371082003", "371082011", "371082017", "371082012", "371082020"]
    point = {}
    for region in Region.objects.filter(code__in=towns):
        p = shape(region.boundary).representative_point()
        point[region.code] = (round(p.y, 6), round(p.x, 6))
    made = 0

    def photo(seed: int, *, after: bool = False):
        return photo_prepare(synthetic_jpeg(seed=seed, after=after), f"photo{seed}.jpg")

    def filed(region: str, at: dt.datetime, *, key: bool, seed: int, description: str):
        lat, lng = point[region]
        problem = lifecycle.problem_report(actor=users["inspector"], category="06010", lat=lat, lng=lng,
                                           description=description, source="inspection", is_key=key,
                                           photos=[photo(seed)], at=at, found_at=at)
        lifecycle.problem_accept(actor=users["dispatcher"], problem_id=problem.id, at=at + dt.timedelta(minutes=10))
        return lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=problem.id,
                                          at=at + dt.timedelta(minutes=30))

    def fixed(problem, seed: int):
        at = problem.dispatched_at + dt.timedelta(hours=1)
        lifecycle.problem_rectify(actor=users[problem.unit.code], problem_id=problem.id, note="已清理",
                                  photos=[photo(seed, after=True)], at=at)
        return lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="pass",
                                        at=at + dt.timedelta(hours=1))

    for k, region in enumerate(towns[:6]):
        fixed(filed(region, _local(2023, 10, 3 + 4 * k, 9), key=True, seed=100 + k,
                    description="主干道沿线大面积暴露垃圾，影响市容"), seed=200 + k)
        made += 1
    for k, region in enumerate(towns[5:7]):
        closed = fixed(filed(region, _local(2023, 9, 12 + k, 9), key=False, seed=300 + k,
                             description="背街小巷堆放杂物"), seed=400 + k)
        relapse = lifecycle.problem_recheck(actor=users["inspector"], problem_id=closed.id, result="relapse",
                                            note="杂物又堆起来了", photos=[photo(500 + k)],
                                            at=_local(2023, 10, 16 + k, 9))
        lifecycle.problem_accept(actor=users["dispatcher"], problem_id=relapse.id, at=_local(2023, 10, 16 + k, 9.2))
        fixed(lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=relapse.id,
                                         at=_local(2023, 10, 16 + k, 9.5)), seed=600 + k)
        made += 2
    return made


def publish_months() -> None:
    from renju.accounts.models import User
    from renju.assessment.runs import adjustment_add, assessment_draft, assessment_publish
    from renju.plans.active import active_plan

    plan = active_plan().plan
    scorer = User.objects.get(username="scorer")
    for unit, points in (("shidao", 2.0), ("bench_departments_03", 1.5)):
        adjustment_add(actor=scorer, plan=plan, period=PERIOD, unit=unit, kind="praise", points=points,
                       reason="主动排查整改成效明显")
    for period in ("2023-09", PERIOD):
        run = assessment_draft(actor=scorer, plan=plan, period=period)
        assessment_publish(actor=scorer, run_id=run.id, now=run.cutoff + dt.timedelta(days=1))


def _timed(fn, reps: int) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(reps):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def _pdf_pages(data: bytes, directory: Path) -> int | None:
    """Pages of a PDF by poppler's pdfinfo (None where it is not installed)."""
    import subprocess

    if shutil.which("pdfinfo") is None:
        return None
    path = directory / "bulletin.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=False).stdout
    return next((int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:")), None)


def _profile(fn, top: int = 25) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(fn)
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", type=int, default=3000, help="problems found in October (default 3,000)")
    parser.add_argument("--reps", type=int, default=3, help="timed .docx bulletins after a warm-up (default 3)")
    parser.add_argument("--pdf-reps", type=int, default=2, help="timed PDF bulletins (default 2; 0: none)")
    parser.add_argument("--database-url", help="a PostgreSQL database renju_bench_* (created and dropped) instead "
                                               "of SQLite in the temp dir")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one .docx bulletin")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (and print where the files are)")
    args = parser.parse_args(argv)
    t_start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="renju-bench-bulletin-"))
    os.environ["RENJU_VAR_DIR"] = str(tmp)
    os.environ["RENJU_MEDIA_ROOT"] = str(tmp / "media")
    pg_name = None
    if args.database_url:
        from bench.common import pg_drop, pg_recreate

        pg_name = args.database_url.rsplit("/", 1)[1]
        if not pg_name.startswith("renju_bench"):
            raise SystemExit("the database name must start with renju_bench (it is dropped afterwards)")
        pg_recreate(pg_name)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    try:
        run(args, tmp, t_start)
    finally:
        if pg_name:
            from django.db import connections

            connections.close_all()
            pg_drop(pg_name)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace, tmp: Path, t_start: float) -> None:
    from bench.common import django_setup

    django_setup()
    from django.db import connection, transaction

    t0 = time.perf_counter()
    n_units = setup_reference(tmp)
    rng = random.Random(20231031)
    with transaction.atomic():
        n_sep, e_sep = bulk_month(2023, 9, args.problems // 2, rng, 1)
        n_oct, e_oct = bulk_month(2023, 10, args.problems, rng, 50000)
    typical = typical_problems()
    t_data = time.perf_counter() - t0
    t0 = time.perf_counter()
    publish_months()
    t_publish = time.perf_counter() - t0

    from docx import Document

    from renju.assessment.runs import compute_month, published_run
    from renju.plans.active import active_plan
    from renju.reports.monthly import bulletin_data
    from renju.reports.office import libreoffice_available
    from renju.reports.periods import parse_period
    from renju.reports.registry import produce

    plan = active_plan().plan
    period = parse_period(PERIOD)
    run_ = published_run(plan, PERIOD)
    scores = run_.unit_scores.count()
    print(f"{connection.vendor}: {n_units} units; September {n_sep:,} problems ({e_sep:,} events), October "
          f"{n_oct:,} problems ({e_oct:,} events), {typical} more through the lifecycle with photos; data "
          f"{t_data:.1f} s, September and October drafted and published in {t_publish:.1f} s; October run "
          f"v{run_.version} {run_.status} with {scores} unit scores")

    produce("monthly", period, fmt="docx")  # warm-up: imports, fonts, chart machinery
    t_docx, out = _timed(lambda: produce("monthly", period, fmt="docx"), args.reps)
    t_data_only, _ = _timed(lambda: bulletin_data(period), args.reps)
    t_compute, _ = _timed(lambda: compute_month(plan, PERIOD), 1)
    doc = Document(io.BytesIO(out.data))
    rows = sum(len(t.rows) for t in doc.tables)
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells)
    named = sum(1 for u in active_plan().units.values() if u.name in text)
    pictures = len(doc.inline_shapes)
    print(f"bulletin {out.filename}: {len(out.data) / 1024:,.0f} KB, {len(doc.paragraphs)} paragraphs, "
          f"{len(doc.tables)} tables ({rows} rows), {pictures} pictures; {named} of {n_units} units named")
    if args.keep:
        (tmp / out.filename).write_bytes(out.data)
    if args.profile:
        _profile(lambda: produce("monthly", period, fmt="docx"))

    t_pdf: list[float] = []
    pages: int | None = None
    pdf_note = "not asked for (--pdf-reps 0)" if not args.pdf_reps else "soffice not installed: no PDF"
    if args.pdf_reps and libreoffice_available():
        t_pdf, pdf = _timed(lambda: produce("monthly", period, fmt="pdf"), args.pdf_reps)
        pages = _pdf_pages(pdf.data, tmp)
        pdf_note = f"{len(pdf.data) / 1024:,.0f} KB, {pages} pages"
        if args.keep:
            (tmp / pdf.filename).write_bytes(pdf.data)
    best, base = min(t_docx), min(t_data_only)
    rows_out = [
        ["bulletin .docx (produce)", f"{best:.2f} s", " / ".join(f"{x:.2f}" for x in t_docx)],
        ["baseline: bulletin_data only", f"{base:.2f} s", " / ".join(f"{x:.2f}" for x in t_data_only)],
        ["ratio .docx / data", fmt_ratio(best / base), ""],
        ["for scale: compute_month", f"{t_compute[0]:.2f} s", ""],
    ]
    if t_pdf:
        rows_out.append(["bulletin PDF (docx + LibreOffice)", f"{min(t_pdf):.2f} s",
                         " / ".join(f"{x:.2f}" for x in t_pdf)])
    print_table(f"monthly bulletin {PERIOD}, {n_units} units ({connection.vendor})", rows_out,
                header=["", "best", "runs (s)"])
    print(f"PDF: {pdf_note}")
    print(f"total time {time.perf_counter() - t_start:.1f} s")
    figures = [Figure(f"bulletin docx, {n_units} units", f"{best:.2f} s", f"{base:.2f} s (bulletin_data only)",
                      fmt_ratio(best / base), f"{n_oct:,} problems in the month")]
    if t_pdf:
        figures.append(Figure(f"bulletin PDF, {n_units} units", f"{min(t_pdf):.2f} s", f"{best:.2f} s (docx)",
                              fmt_ratio(min(t_pdf) / best), f"{pages} pages"))
    print_figures(figures)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
