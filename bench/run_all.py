"""Run every benchmark in sequence, each in its own subprocess, then print all their figures together.

Order: region lookup, deadlines, API creation on SQLite, the map data with 100,000 open problems on SQLite (temp
file), page views with the demo data on SQLite (cached demo database, `--reuse`), the monthly bulletin for 100 units
(SQLite in a temp dir; PDF too where LibreOffice is installed), the 12345 hotline classifier on the labelled set (in
memory), then — only if PostgreSQL
answers on 127.0.0.1:5432 — API creation on PostgreSQL (database `renju_bench`, created and dropped), listing over
1,000,000 problems (database `renju_bench_list`, generated once and reused with `--reuse` on later runs), the map
data (database `renju_bench_map`, likewise reused), page views (database `renju_bench_pages`, created and
dropped), the scheduled reminder scan (on a copy of `renju_bench_list`, dropped afterwards) and the duplicate-photo
lookup (database `renju_bench_phash`, 1,000,000 hashes, generated once and reused) and assessing one month over a
year of 1,000,000 problems (database `renju_bench_assess`, generated once and reused) and Open311 GET requests
(a copy of `renju_bench_list` with an event log, `renju_bench_open311`, reused). Each benchmark
measures its own baseline in its own run; this script only collects the `FIGURE` lines they print. The video alarm
burst from 1,000 cameras runs on both (a SQLite file in a temp dir; `renju_bench_alarms`, created and dropped).
A benchmark that fails or runs past `--timeout` is reported as such and the others still run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time

from bench.common import FIGURE_PREFIX, PG_ADMIN_URL, ROOT, pg_url_for, postgres_answers


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM (the benchmarks clean up on it: servers stopped, databases dropped), then SIGKILL after 30 s."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_one(module: str, args: list[str], timeout_s: float) -> tuple[int, float, list[list[str]]]:
    """Run `python -m module args`, echo its output indented, return (exit code, seconds, figure rows)."""
    cmd = [sys.executable, "-m", module, *args]
    print(f"\n=== {' '.join(['python', '-m', module, *args])}", flush=True)
    t0 = time.perf_counter()
    figures: list[list[str]] = []
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    watchdog = threading.Timer(timeout_s, _stop, args=(proc,))  # only this child, if it runs past its time
    watchdog.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(FIGURE_PREFIX):
                figures.append(line.rstrip("\n").split("\t")[1:])
            else:
                print("  " + line, end="", flush=True)
        code = proc.wait()
    finally:
        watchdog.cancel()
    if code < 0 and time.perf_counter() - t0 >= timeout_s:
        print(f"  !! stopped after {timeout_s:.0f} s", flush=True)
    return code, time.perf_counter() - t0, figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed per benchmark (default 900)")
    parser.add_argument("--regenerate", action="store_true",
                        help="regenerate the data of benches 4, 5, 8 and 9 and the demo database of 6 even if present")
    args = parser.parse_args(argv)
    plan: list[tuple[str, str, list[str]]] = [
        ("1 region lookup", "bench.region_lookup", []),
        ("2 deadlines", "bench.deadline", []),
        ("3 API create (SQLite)", "bench.api_create", []),
        ("5 map data (SQLite)", "bench.map_data", ["--sqlite"]),
        ("6 pages (SQLite, demo data)", "bench.pages", [] if args.regenerate else ["--reuse"]),
        ("10 monthly bulletin, 100 units (SQLite)", "bench.bulletin", []),
        ("12 hotline classification (in memory)", "bench.hotline_classify", []),
        ("13 video alarm burst, 1,000 cameras (SQLite)", "bench.alarm_burst", []),
    ]
    pg = postgres_answers(PG_ADMIN_URL)
    if pg:
        plan += [
            ("3 API create (PostgreSQL)", "bench.api_create", ["--database-url", pg_url_for("renju_bench")]),
            ("4 list problems (PostgreSQL)", "bench.list_problems_pg", [] if args.regenerate else ["--reuse"]),
            ("5 map data (PostgreSQL)", "bench.map_data", [] if args.regenerate else ["--reuse"]),
            ("6 pages (PostgreSQL, demo data)", "bench.pages", ["--database-url", pg_url_for("renju_bench_pages")]),
            ("7 scheduled scan (PostgreSQL)", "bench.scheduled_scan", []),
            ("8 duplicate-photo lookup (PostgreSQL)", "bench.phash_lookup", [] if args.regenerate else ["--reuse"]),
            ("9 assess a month (PostgreSQL)", "bench.assessment_month", [] if args.regenerate else ["--reuse"]),
            ("11 Open311 GET requests (PostgreSQL)", "bench.open311_requests", [] if args.regenerate else ["--reuse"]),
            ("13 video alarm burst, 1,000 cameras (PostgreSQL)", "bench.alarm_burst",
             ["--database-url", pg_url_for("renju_bench_alarms")]),
        ]
    t_all = time.perf_counter()
    results = []
    for title, module, extra in plan:
        code, seconds, figures = run_one(module, extra, args.timeout)
        results.append((title, code, seconds, figures))

    print("\n" + "=" * 100)
    print("ALL FIGURES (each ratio is against a baseline measured in the same run)")
    rows = [["bench", "figure", "value", "baseline", "ratio", "target"]]
    for title, code, seconds, figures in results:
        status = f"{seconds:.0f} s" + ("" if code == 0 else f", FAILED (exit {code})")
        for f in figures or [["(no figures)", "", "", "", ""]]:
            rows.append([f"{title} [{status}]", *(f + [""] * (5 - len(f)))[:5]])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(c.ljust(w) if i in (0, 1, 3, 5) else c.rjust(w) for i, (c, w) in
                        enumerate(zip(row, widths, strict=True))).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    if not pg:
        print("\nPostgreSQL does not answer on 127.0.0.1:5432: the PostgreSQL benchmarks were skipped.")
    print(f"\ntotal {time.perf_counter() - t_all:.0f} s")
    sys.exit(0 if all(code == 0 for _, code, _, _ in results) else 1)


if __name__ == "__main__":
    main()
