"""Page views with the demo data: server time of each role's main pages, against a trivial template page.

What is measured: each role's main pages in-process through `django.test.Client`, logged in with `force_login`
as that role's demo account — the full middleware stack, session and user lookup, the view, its read-side queries
and template rendering with the base layout and navigation; the response is read whole. The pages: the
inspector's report form, own reports and verification queue (`inspector`), the dispatcher's intake with each
queue and the search with and without `overdue=1` (`dispatcher`), the unit inbox (`yatou`, 崖头街道), the
leader's dashboard and its data (`leader`), and the shared problem page of the closed problem with the most photos
(`dispatcher`). Per page: 2 warm-up requests, SQL queries counted with `CaptureQueriesContext` on one extra
request, then `--reps` (default 20) timed requests: p50, p95, response bytes. A page that answers 404 (not built
yet) or 500 is reported as such in the table, with the exception and the deepest app frame for a 500, and is
not timed. Target printed: every page p95 < 200 ms of server time.

Baseline, and why it is fair: GET /login/ (LoginView: a form on the base layout, no queries of its own) by the
same kind of client, logged in as `dispatcher`, so it pays the same session and user lookups, middleware and base
template: one baseline request after every timed page request, so drift on this shared machine hits both alike.
page/login says how much each page's own queries and rendering cost on top of the cheapest page there is.

Data: the demo database exactly as `make prepare` builds it — `renju migrate`, `renju loadregions
plans/regions/rongcheng-demo.geojson`, `renju loadplan plans/rongcheng-2023.yaml`, `renju demodata` (a month of
problems up to now, played through the lifecycle, with synthetic photos) — in a temporary RENJU_VAR_DIR (SQLite),
about 25 s. With `--reuse` the built var dir is kept under /tmp/renju-bench-pages-cache and copied for the next
run, as long as the migrations, demo code, plan and regions are unchanged and it is less than 12 hours old (the
demo month ends when it was built, so queues age). `--database-url postgresql://…/renju_bench_pages` builds the
same data in that PostgreSQL database (created before, dropped after; the name must start with renju_bench).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from bench.common import (
    PLAN_FILE,
    REGIONS_FILE,
    ROOT,
    Figure,
    fmt_ms,
    fmt_ratio,
    median,
    percentile,
    pg_drop,
    pg_recreate,
    print_figures,
    print_table,
)

BIN = Path(sys.executable).parent
CACHE_DIR = Path(tempfile.gettempdir()) / "renju-bench-pages-cache"
CACHE_MAX_AGE_S = 12 * 3600
TARGET_S = 0.200
BASELINE_PATH = "/login/"
PROBLEM_PAGE = "problem page (closed, photos)"


@dataclass
class Page:
    label: str
    user: str
    path: str
    status: int = 0
    error: str = ""
    queries: int = 0
    queries_max: int = 0
    size: int = 0
    times: list[float] = field(default_factory=list)


def pages(problem_id: int | None) -> list[Page]:
    queues = ["reported", "accepted", "returned", "due_soon", "overdue"]
    return [
        Page("inspector: report form", "inspector", "/inspector/report/"),
        Page("inspector: my reports", "inspector", "/inspector/mine/"),
        Page("inspector: to verify", "inspector", "/inspector/verify/"),
        Page("dispatcher: intake (default)", "dispatcher", "/dispatch/"),
        *[Page(f"dispatcher: queue={q}", "dispatcher", f"/dispatch/?queue={q}") for q in queues],
        Page("dispatcher: search", "dispatcher", "/search/"),
        Page("dispatcher: search overdue=1", "dispatcher", "/search/?overdue=1"),
        Page("handler yatou: unit inbox", "yatou", "/unit/"),
        Page("leader: dashboard", "leader", "/dashboard/"),
        Page("leader: dashboard data.json", "leader", "/dashboard/data.json"),
        Page(PROBLEM_PAGE, "dispatcher", f"/problems/{problem_id}/" if problem_id else "/problems/0/"),
    ]


# ---------------------------------------------------------------------------------------------------- data


def data_stamp() -> str:
    """Changes whenever what the demo database is built from changes."""
    digest = hashlib.sha256()
    sources = sorted(ROOT.glob("renju/*/migrations/*.py")) + [
        ROOT / "renju/problems/demo.py", ROOT / "renju/problems/demo_photos.py", ROOT / "renju/accounts/demo.py",
        ROOT / "renju/problems/lifecycle.py", PLAN_FILE, REGIONS_FILE]
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()[:16]


def run_cmd(args: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run([str(BIN / "renju"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"renju {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n"
                         f"{proc.stderr[-4000:]}")


def build_demo(env: dict[str, str]) -> float:
    """`make prepare` without collectstatic, in the var dir / database that `env` names; returns seconds."""
    t0 = time.perf_counter()
    for step in (["migrate", "--noinput", "-v0"], ["loadregions", str(REGIONS_FILE.relative_to(ROOT))],
                 ["loadplan", str(PLAN_FILE.relative_to(ROOT))], ["demodata"]):
        t_step = time.perf_counter()
        run_cmd(step, env)
        print(f"  renju {step[0]}: {time.perf_counter() - t_step:.1f} s", flush=True)
    return time.perf_counter() - t0


def prepare_sqlite(var_dir: Path, env: dict[str, str], reuse: bool) -> tuple[float | None, str]:
    """Fill var_dir with the demo database: from the cache when allowed and fresh, else built (and cached)."""
    stamp = data_stamp()
    stamp_file = CACHE_DIR / "stamp"
    if reuse and stamp_file.exists():
        cached_stamp, built_at = stamp_file.read_text().split()
        age = time.time() - float(built_at)
        if cached_stamp == stamp and age < CACHE_MAX_AGE_S:
            shutil.copytree(CACHE_DIR / "var", var_dir, dirs_exist_ok=True)
            return None, f"cached demo database, built {age / 60:.0f} min ago"
        print(f"cache in {CACHE_DIR} is {'stale' if cached_stamp == stamp else 'for other code'}: rebuilding")
    print("building the demo database (migrate, loadregions, loadplan, demodata) …", flush=True)
    seconds = build_demo(env)
    if reuse:
        shutil.rmtree(CACHE_DIR, ignore_errors=True)
        shutil.copytree(var_dir, CACHE_DIR / "var")
        stamp_file.write_text(f"{stamp} {time.time():.0f}\n")
    return seconds, f"demo database built in {seconds:.1f} s"


# ---------------------------------------------------------------------------------------------------- measuring


def describe_failure(response) -> str:
    """The exception of a 500 and the deepest frame inside the app, so its author can find it."""
    exc_info = getattr(response, "exc_info", None)
    if not exc_info:
        return ""
    exc_type, exc, tb = exc_info
    frames = [f for f in traceback.extract_tb(tb) if "/renju/" in f.filename]
    where = ""
    if frames:
        f = frames[-1]
        where = f" at {Path(f.filename).relative_to(ROOT) if f.filename.startswith(str(ROOT)) else f.filename}" \
                f":{f.lineno}"
    return f"{exc_type.__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}{where}"


def queries_of(page: Page) -> str:
    return str(page.queries) if page.queries == page.queries_max else f"{page.queries} ({page.queries_max})"


def content_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def measure(reps: int, warmup: int) -> tuple[list[Page], list[float], list[float], dict]:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from renju.accounts.models import User
    from renju.problems.models import Problem

    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # 404/500 are reported in the table instead
    closed = (Problem.objects.filter(status="closed").annotate(n=Count("photos")).filter(n__gt=0)
              .order_by("-n", "id").values_list("id", "n").first())
    info = {"problems": Problem.objects.count(), "closed_with_photos": closed}
    all_pages = pages(closed[0] if closed else None)
    clients: dict[str, Client] = {}
    for name in sorted({p.user for p in all_pages} | {"dispatcher"}):
        clients[name] = Client(raise_request_exception=False)
        clients[name].force_login(User.objects.get(username=name))
    base = Client(raise_request_exception=False)
    base.force_login(User.objects.get(username="dispatcher"))
    anonymous = Client(raise_request_exception=False)
    base_times: list[float] = []

    def get(client: Client, path: str):
        response = client.get(path)
        response.body = content_of(response)  # read it whole, as a server would send it
        return response

    for page in all_pages:
        client = clients[page.user]
        for _ in range(warmup):
            get(client, page.path)
        counts = []
        for _ in range(3):  # the plan and region caches re-check their version at most every 2 s: take the least
            with CaptureQueriesContext(connection) as captured:
                response = get(client, page.path)
            counts.append(len(captured))  # now: the next request's request_started signal empties the log
        page.queries, page.queries_max = min(counts), max(counts)
        page.status = response.status_code
        page.size = len(response.body)
        if page.status >= 400:
            page.error = describe_failure(response)
            continue
        gc.collect()  # do not charge this page with the previous one's garbage
        for _ in range(reps):  # alternate, so drift hits both sides alike
            t0 = time.perf_counter()
            get(client, page.path)
            page.times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            get(base, BASELINE_PATH)
            base_times.append(time.perf_counter() - t0)
    if not base_times:  # nothing answered: still measure the baseline, so the table has it
        for _ in range(warmup):
            get(base, BASELINE_PATH)
        for _ in range(reps):
            t0 = time.perf_counter()
            get(base, BASELINE_PATH)
            base_times.append(time.perf_counter() - t0)
    anon_times = []
    for _ in range(warmup):
        get(anonymous, BASELINE_PATH)
    for _ in range(reps):
        t0 = time.perf_counter()
        get(anonymous, BASELINE_PATH)
        anon_times.append(time.perf_counter() - t0)
    counts = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as captured:
            response = get(base, BASELINE_PATH)
        counts.append(len(captured))
    info["baseline_queries"] = min(counts)
    info["baseline_bytes"] = len(response.body)
    info["baseline_status"] = response.status_code
    return all_pages, base_times, anon_times, info


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per page first (default 2)")
    parser.add_argument("--reuse", action="store_true",
                        help=f"SQLite: reuse the demo database cached in {CACHE_DIR} (built and cached if absent)")
    parser.add_argument("--database-url", default=None,
                        help="run on PostgreSQL, e.g. postgresql://postgres@127.0.0.1:5432/renju_bench_pages (the "
                             "database is dropped and created, then dropped at the end)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally below cleans up
    t_start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="renju-bench-pages-"))
    var_dir = tmp / "var"
    var_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(RENJU_VAR_DIR=str(var_dir), RENJU_MEDIA_ROOT=str(var_dir / "media"),
               DJANGO_SETTINGS_MODULE="renju.settings", PYTHONPATH=str(ROOT))
    pg_name = admin = None
    if args.database_url:
        parsed = urlparse(args.database_url)
        pg_name = parsed.path.lstrip("/")
        if not pg_name.startswith("renju_bench"):
            raise SystemExit(f"refusing to drop and recreate {pg_name!r}: use a database named renju_bench…")
        admin = parsed._replace(path="/postgres").geturl()
        env["DATABASE_URL"] = args.database_url
    backend = f"PostgreSQL ({pg_name})" if pg_name else "SQLite (WAL)"
    try:
        if pg_name:
            pg_recreate(pg_name, admin)
            print("building the demo database (migrate, loadregions, loadplan, demodata) …", flush=True)
            t_build: float | None = build_demo(env)
            source = f"demo database built in {t_build:.1f} s"
        else:
            t_build, source = prepare_sqlite(var_dir, env, args.reuse)
        print(f"{backend}: {source}", flush=True)
        os.environ.clear()
        os.environ.update(env)
        import django

        django.setup()
        t0 = time.perf_counter()
        load_before = os.getloadavg()[0]
        all_pages, base_times, anon_times, info = measure(args.reps, args.warmup)
        load_after = os.getloadavg()[0]
        t_measure = time.perf_counter() - t0
    finally:
        if "django.db" in sys.modules and os.environ.get("DJANGO_SETTINGS_MODULE"):
            from django.db import connections

            connections.close_all()
        if pg_name:
            pg_drop(pg_name, admin)
        shutil.rmtree(tmp, ignore_errors=True)

    base_p50 = median(base_times)
    rows = []
    for p in all_pages:
        if p.times:
            p50, p95 = median(p.times), percentile(p.times, 95)
            rows.append([p.label, p.user, str(p.status), fmt_ms(p50), fmt_ms(p95), queries_of(p), f"{p.size:,}",
                         fmt_ratio(p50 / base_p50), "yes" if p95 < TARGET_S else "NO"])
        else:
            rows.append([p.label, p.user, f"{p.status} " + ("(not built yet)" if p.status == 404 else "(error)"),
                         "-", "-", queries_of(p), f"{p.size:,}", "-", "-"])
    rows.append([f"GET {BASELINE_PATH} (baseline)", "dispatcher", str(info["baseline_status"]), fmt_ms(base_p50),
                 fmt_ms(percentile(base_times, 95)), str(info["baseline_queries"]), f"{info['baseline_bytes']:,}",
                 "1.00x", ""])
    rows.append([f"GET {BASELINE_PATH} anonymous", "-", "200", fmt_ms(median(anon_times)),
                 fmt_ms(percentile(anon_times, 95)), "0", "", fmt_ratio(median(anon_times) / base_p50), ""])
    closed = info["closed_with_photos"]
    print(f"{info['problems']:,} demo problems; problem page: #{closed[0]} ({closed[1]} photos)" if closed else
          f"{info['problems']:,} demo problems; no closed problem with photos (the problem page is not measured)")
    print_table(f"Page views, {args.reps} timed requests each after {args.warmup} warm-ups ({backend}); "
                f"target p95 < {TARGET_S * 1000:.0f} ms", rows,
                header=["page", "as", "status", "p50", "p95", "SQL/request", "bytes", "p50/login", "< 200 ms"])
    failures = [p for p in all_pages if not p.times]
    for p in failures:
        if p.error:
            print(f"  {p.label} {p.path} -> {p.status}: {p.error}")
    timed_pages = [p for p in all_pages if p.times]
    print(f"\nload average (1 min) {load_before:.1f} before measuring, {load_after:.1f} after "
          f"({os.cpu_count()} CPUs; other work on the machine moves the figures)")
    print(f"measuring {t_measure:.1f} s; total time {time.perf_counter() - t_start:.1f} s"
          + (f" (demo data build {t_build:.1f} s)" if t_build is not None else " (demo data from the cache)"))
    suffix = ", PostgreSQL" if pg_name else ""
    figures = [
        Figure(f"pages answering{suffix}", f"{len(timed_pages)} of {len(all_pages)}",
               ", ".join(f"{p.status} {p.path}" for p in failures) or "all 2xx/3xx", "-", "all pages built"),
    ]
    if timed_pages:
        slowest = max(timed_pages, key=lambda p: percentile(p.times, 95))
        under = sum(percentile(p.times, 95) < TARGET_S for p in timed_pages)
        ratios = [median(p.times) / base_p50 for p in timed_pages]
        figures += [
            Figure(f"pages slowest p95{suffix}", f"{fmt_ms(percentile(slowest.times, 95))} {slowest.path}",
                   f"{fmt_ms(percentile(base_times, 95))} GET /login/ p95",
                   fmt_ratio(percentile(slowest.times, 95) / percentile(base_times, 95)), "target < 200 ms"),
            Figure(f"pages p95 under 200 ms{suffix}", f"{under} of {len(timed_pages)}", "-", "-", "all"),
            Figure(f"pages p50/login median{suffix}", fmt_ms(median([median(p.times) for p in timed_pages])),
                   f"{fmt_ms(base_p50)} GET /login/ p50", fmt_ratio(median(ratios)) + " median"),
            Figure(f"pages SQL/request max{suffix}", str(max(p.queries for p in timed_pages)),
                   f"{info['baseline_queries']} for /login/", "-", "constant per page"),
        ]
        for p in timed_pages:
            name = "/problems/<closed>/" if p.label == PROBLEM_PAGE else p.path
            figures.append(Figure(f"page {name}{suffix}", f"p95 {fmt_ms(percentile(p.times, 95))}",
                                  f"{fmt_ms(percentile(base_times, 95))} /login/ p95",
                                  fmt_ratio(percentile(p.times, 95) / percentile(base_times, 95)),
                                  f"{p.queries} SQL, {p.size:,} B"))
    if t_build is not None:
        figures.append(Figure(f"pages demo data build{suffix}", f"{t_build:.0f} s", "make prepare equivalent", "-"))
    print_figures(figures)


if __name__ == "__main__":
    main()
