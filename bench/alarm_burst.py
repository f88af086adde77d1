"""A burst of video-AI alarms from 1,000 cameras through the real HTTP API, against plain problem creation.

What is measured: POST /api/v1/video/alarms (JSON, 640x480 JPEG snapshot in base64, ~19 KB) served by gunicorn
(`--workers 2 --threads 4`, gthread, keep-alive) from `--clients 8` concurrent client threads, one keep-alive
`http.client` connection each. The burst: 1,000 registered cameras, incidents of a few alarm types, each incident
1–8 alarms within 20 minutes (so all but the first join its problem: the plan's window is 30 minutes); incidents of
the same camera and type are 2 hours apart; 10% of alarms below `min_confidence` (dropped), 40% between the
thresholds (review), 50% above `auto_accept_confidence` (filed and fast-tracked to the unit); 5% of alarms are sent
again (a replay, later in the burst) — the whole burst shuffled, so alarms of one incident arrive out of order and
concurrently. Every alarm runs the whole path: token auth, body parse and base64 decode, snapshot check (Pillow
decode, EXIF, thumbnail, perceptual hash), the camera row lock, the join query, and for the first alarm of an
incident `problem_report` (+ `problem_fast_track`) with the snapshot stored as the before-photo; a joined alarm stores
its snapshot and thumbnail; a replay answers from the stored alarm.

Baseline, same server, same clients, same run, interleaved in `--rounds` blocks: POST /api/v1/problems as the
inspector, (a) plain JSON with no photo (what bench 3 measures) and (b) multipart with the same JPEG as one photo
(like for like: a filed alarm is a problem with one photo plus the alarm's own work).

Checked after the run, in SQL on the database itself: every alarm sent is stored exactly once (none lost, none
doubled), every replay was answered 200 with the first delivery's outcome and problem, each incident's alarms
share exactly one problem, different incidents have different problems, the number of video problems equals the
number of incidents expected to make one (an incident whose alarms are all dropped makes none), and no video
problem exists without its alarm.

Setup (not timed): a temporary RENJU_VAR_DIR with a fresh SQLite file (or `--database-url` naming a PostgreSQL
database `renju_bench…`, created before and dropped after), `renju migrate`, regions, plan and demo users through
the app's loaders, an integration account with a token, 1,000 cameras at random points inside the demo grids
through `camera_upsert_many`.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlparse

from bench.api_create import BIN, DESCRIPTIONS, Server, grid_points, run
from bench.common import (
    REGIONS_FILE,
    Figure,
    fmt_ms,
    fmt_rate,
    fmt_ratio,
    median,
    percentile,
    pg_drop,
    pg_recreate,
    print_figures,
    print_table,
)

WARMUP = "WARMUP"
TYPES = ["garbage_exposed", "garbage_overflow", "stall_occupy", "illegal_parking", "clutter"]
SPREAD_MIN = 20  # an incident's alarms fall within this many minutes (< the plan's 30-minute window)
GAP_HOURS = 2  # incidents of one camera and type are this far apart (> window + spread)


# ---------------------------------------------------------------- setup (runs in a subprocess on the bench database)


def prepare(cameras: int, seed: int) -> None:
    """Reference data, the platform's account and token, and the cameras; prints one JSON line."""
    from bench.common import django_setup
    from bench.refdata import load_reference_data

    django_setup()
    t0 = time.perf_counter()
    tokens = load_reference_data(["inspector"])
    from renju.accounts.models import User, api_token_create
    from renju.video.cameras import camera_upsert_many

    robot, _ = User.objects.get_or_create(username="video-ai", defaults={"role": "integration"})
    tokens["video-ai"] = api_token_create(user=robot, name="bench")
    rows = [dict(row, region_id=region) for row, region in camera_points(cameras, seed)]
    camera_upsert_many(actor=robot, rows=rows)
    print(json.dumps({"tokens": tokens, "cameras": [r["code"] for r in rows if r["code"] != WARMUP],
                      "seconds": round(time.perf_counter() - t0, 2)}))


def camera_points(n: int, seed: int) -> list[tuple[dict, int]]:
    """n cameras (+ the warm-up one) at random points inside the demo grids, several to a grid, as clean rows."""
    from shapely.geometry import Point, shape

    from renju.plans.geo import region_index

    features = json.loads(REGIONS_FILE.read_text(encoding="utf-8"))["features"]
    grids = [shape(f["geometry"]) for f in features if f["properties"]["kind"] == "grid"]
    rng = random.Random(seed)
    index = region_index()
    out = []
    codes = [WARMUP] + [f"BURST-{i:04d}" for i in range(1, n + 1)]
    for code in codes:
        while True:  # a point inside a grid that the index also places (never on a shared border)
            grid = rng.choice(grids)
            x0, y0, x1, y1 = grid.bounds
            lng, lat = round(rng.uniform(x0, x1), 6), round(rng.uniform(y0, y1), 6)
            region = index.locate(lng, lat) if grid.contains(Point(lng, lat)) else None
            if region is not None:
                break
        out.append(({"code": code, "name": f"视频点位{code[-4:]}", "channel": str(rng.randint(1, 16)), "lat": lat,
                     "lng": lng, "address": f"演示路{rng.randint(1, 300)}号", "road_class": "", "status": "online"},
                    region))
    return out


# ---------------------------------------------------------------- the burst


def snapshots(k: int = 8) -> list[str]:
    from renju.problems.demo_photos import synthetic_jpeg  # Pillow only: no Django needed here

    return [base64.b64encode(synthetic_jpeg(seed=100 + i)).decode() for i in range(k)]


def plan_burst(cameras: list[str], n_alarms: int, seed: int, now: dt.datetime, pictures: list[str]):
    """(requests in sending order, incidents): each request is (alarm id, JSON bytes, is_replay)."""
    rng = random.Random(seed)
    incidents: list[dict] = []
    per_key: Counter = Counter()
    originals: list[tuple[str, bytes]] = []
    while len(originals) < n_alarms:
        camera, kind = rng.choice(cameras), rng.choice(TYPES)
        number = per_key[(camera, kind)]
        per_key[(camera, kind)] += 1
        start = now - dt.timedelta(hours=1 + GAP_HOURS * number, minutes=rng.uniform(0, 30))
        size = rng.choice([1, 2, 3, 3, 4, 4, 5, 6, 8])
        alarms = []
        for k in range(size):
            confidence = rng.choices([rng.uniform(0.2, 0.49), rng.uniform(0.5, 0.84), rng.uniform(0.85, 0.99)],
                                     weights=[10, 40, 50])[0]
            alarm_id = f"{camera}-{kind}-{number}-{k}"
            body = {"camera": camera, "alarm_id": alarm_id, "alarm_type": kind, "confidence": round(confidence, 3),
                    "occurred_at": (start + dt.timedelta(minutes=rng.uniform(0, SPREAD_MIN))).isoformat(),
                    "snapshot": rng.choice(pictures)}
            alarms.append((alarm_id, confidence >= 0.5))
            originals.append((alarm_id, json.dumps(body).encode()))
        incidents.append({"alarms": alarms, "problem": any(ok for _, ok in alarms)})
    rng.shuffle(originals)
    order: list[tuple[str, bytes, bool]] = [(a, b, False) for a, b in originals]
    for position in sorted(rng.sample(range(len(originals)), len(originals) // 20), reverse=True):
        alarm_id, body = originals[position]
        order.insert(rng.randint(position + 1, len(order)), (alarm_id, body, True))
    return order, incidents


def multipart(fields: dict, photo: bytes) -> tuple[bytes, str]:
    boundary = "renjubench" + "7" * 20
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="p.jpg"\r\n'
                 f"Content-Type: image/jpeg\r\n\r\n".encode() + photo + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Runner:
    """`clients` threads, one keep-alive connection each, draining one queue of prepared requests."""

    def __init__(self, port: int, clients: int) -> None:
        import http.client

        self.conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=120) for _ in range(clients)]
        self.lock = threading.Lock()

    def block(self, requests: list[tuple], token: str) -> tuple[float, float, list[dict]]:
        """Send every (key, path, body, content type) request; returns (start, wall seconds, results)."""
        pending = iter(requests)
        results: list[dict] = []

        def work(conn) -> None:
            mine = []
            while True:
                with self.lock:
                    item = next(pending, None)
                if item is None:
                    break
                key, path, body, ctype = item
                headers = {"Authorization": f"Bearer {token}", "Content-Type": ctype, "Accept": "application/json"}
                t0 = time.perf_counter()
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
                done = time.perf_counter()
                mine.append({"key": key, "status": resp.status, "seconds": done - t0, "done": done,
                             "body": payload if resp.status >= 300 or path.endswith("alarms") else b""})
            with self.lock:
                results.extend(mine)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=work, args=(c,)) for c in self.conns]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        return t0, time.perf_counter() - t0, results

    def close(self) -> None:
        for c in self.conns:
            c.close()


def problem_requests(n: int, seed: int, categories: list[str], points, photo: bytes | None) -> list[tuple]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        lat, lng = rng.choice(points)
        fields = {"category": rng.choice(categories), "lat": lat, "lng": lng, "description": rng.choice(DESCRIPTIONS),
                  "source": "inspection", "address": f"演示路{rng.randint(1, 300)}号"}
        if photo is None:
            out.append((f"p{i}", "/api/v1/problems", json.dumps(fields).encode(), "application/json"))
        else:
            body, ctype = multipart(fields, photo)
            out.append((f"f{i}", "/api/v1/problems", body, ctype))
    return out


# ---------------------------------------------------------------- checking what was stored


def stored_alarms(env: dict[str, str], tmp: Path) -> tuple[list[tuple], int, int]:
    """(code, alarm id, outcome, problem id) of the burst's alarms, video problems in all, warm-up problems."""
    alarms_sql = ("SELECT c.code, a.external_id, a.outcome, a.problem_id FROM video_alarm a "
                  "JOIN video_camera c ON c.id = a.camera_id WHERE c.code <> %s")
    problems_sql = "SELECT count(*) FROM problems_problem WHERE source = 'video'"
    warm_sql = ("SELECT count(DISTINCT a.problem_id) FROM video_alarm a JOIN video_camera c ON c.id = a.camera_id "
                "WHERE c.code = %s")
    if env.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as conn:
            rows = conn.execute(alarms_sql, (WARMUP,)).fetchall()
            total = conn.execute(problems_sql).fetchone()[0]
            warm = conn.execute(warm_sql, (WARMUP,)).fetchone()[0]
        return rows, total, warm
    import sqlite3

    with sqlite3.connect(tmp / "renju.sqlite3") as conn:
        rows = conn.execute(alarms_sql.replace("%s", "?"), (WARMUP,)).fetchall()
        total = conn.execute(problems_sql).fetchone()[0]
        warm = conn.execute(warm_sql.replace("%s", "?"), (WARMUP,)).fetchone()[0]
    return rows, total, warm


def check(order, incidents, results: list[dict], stored, total_video: int, warm: int) -> dict:
    """Every way the burst could have gone wrong, counted."""
    problems: list[str] = []
    by_id = {alarm_id: (code, outcome, problem) for code, alarm_id, outcome, problem in stored}
    sent = {alarm_id for alarm_id, _, _ in order}
    lost, extra = sent - set(by_id), set(by_id) - sent
    if lost or extra:
        problems.append(f"{len(lost)} alarms lost, {len(extra)} not sent but stored")
    doubled = len(stored) - len(by_id)
    if doubled:
        problems.append(f"{doubled} alarms stored twice")
    answers: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        answers[r["key"]].append(r)
    replay_bad = 0
    for got in answers.values():
        statuses = sorted(r["status"] for r in got)
        bodies = [json.loads(r["body"]) for r in got if r["status"] in (200, 201)]
        same = len({(b["outcome"], (b["problem"] or {}).get("id")) for b in bodies}) <= 1
        if statuses.count(201) != 1 or any(s not in (200, 201) for s in statuses) or not same:
            replay_bad += 1
    if replay_bad:
        problems.append(f"{replay_bad} alarm ids answered wrongly (not exactly one 201, or replays disagreeing)")
    expected = sum(1 for i in incidents if i["problem"])
    seen: set = set()
    split = merged = 0
    for incident in incidents:
        ids = {by_id[a][2] for a, ok in incident["alarms"] if ok and a in by_id}
        if any(by_id[a][2] is not None for a, ok in incident["alarms"] if not ok and a in by_id):
            split += 1
        if len(ids) > 1 or None in ids:
            split += 1
        if ids & seen:
            merged += 1
        seen |= ids
    if split or merged:
        problems.append(f"{split} incidents split over several problems, {merged} sharing another's problem")
    distinct = len({p for _, _, _, p in stored if p is not None})
    if distinct != expected:
        problems.append(f"{distinct} problems from the burst, {expected} expected")
    if total_video != distinct + warm:
        problems.append(f"{total_video} video problems in all, {distinct + warm} with alarms")
    outcomes = Counter(outcome for _, _, outcome, _ in stored)
    return {"problems": problems, "expected": expected, "distinct": distinct, "outcomes": outcomes,
            "replays": sum(1 for _, _, replay in order if replay)}


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alarms", type=int, default=5000, help="distinct alarms in the burst (5,000)")
    parser.add_argument("--cameras", type=int, default=1000, help="registered cameras (1,000)")
    parser.add_argument("-k", "--requests", type=int, default=600, help="baseline creations of each kind (600)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (2)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (4)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating baseline/alarm blocks (3)")
    parser.add_argument("--database-url", default=None,
                        help="run on PostgreSQL, e.g. postgresql://postgres@127.0.0.1:5432/renju_bench_alarms (the "
                             "database is dropped and created, then dropped at the end; its name must start with "
                             "renju_bench)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare:
        prepare(args.cameras, args.seed)
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally below stops the server and cleans up

    t_start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="renju-bench-alarms-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(RENJU_VAR_DIR=str(tmp), RENJU_MEDIA_ROOT=str(tmp / "media"), DJANGO_SETTINGS_MODULE="renju.settings",
               PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    pg_name = admin = None
    if args.database_url:
        parsed = urlparse(args.database_url)
        pg_name = parsed.path.lstrip("/")
        if not pg_name.startswith("renju_bench"):
            raise SystemExit(f"refusing to drop and recreate {pg_name!r}: use a database named renju_bench…")
        admin = parsed._replace(path="/postgres").geturl()
        pg_recreate(pg_name, admin)
        env["DATABASE_URL"] = args.database_url
    backend = f"PostgreSQL ({pg_name})" if pg_name else "SQLite (WAL, file in a temp dir)"
    server = None
    try:
        t0 = time.perf_counter()
        run([str(BIN / "renju"), "migrate", "--noinput", "-v0"], env, "renju migrate")
        setup = json.loads(run([sys.executable, "-m", "bench.alarm_burst", "--prepare", "--cameras",
                                str(args.cameras), "--seed", str(args.seed)], env, "setup").strip().splitlines()[-1])
        tokens, cameras = setup["tokens"], setup["cameras"]
        pictures = snapshots()
        photo = base64.b64decode(pictures[0])
        now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(microsecond=0)
        order, incidents = plan_burst(cameras, args.alarms, args.seed, now, pictures)
        t_setup = time.perf_counter() - t0
        server = WorkersServer(env, tmp / "gunicorn.log", threads=args.threads, workers=args.workers)
        t_ready = server.wait_ready(tokens["inspector"])
        print(f"backend: {backend}; setup (migrate + regions + plan + users + {len(cameras):,} cameras) "
              f"{t_setup:.1f} s; gunicorn {args.workers} worker(s) x {args.threads} thread(s) answered after "
              f"{t_ready:.1f} s")
        print(f"burst: {len(order):,} requests = {args.alarms:,} alarms + {len(order) - args.alarms:,} replays, "
              f"{len(incidents):,} incidents on {len(cameras):,} cameras; baseline {args.requests} creations of "
              f"each kind; {args.clients} clients, {args.rounds} rounds", flush=True)
        categories = ["06010", "06036", "09006", "09009", "06012"]
        points = grid_points(200, seed=args.seed)
        result = measure(server.port, tokens, order, categories, points, photo, args)
    finally:
        if server is not None:
            server.stop()
    try:
        stored, total_video, warm = stored_alarms(env, tmp)
    finally:
        if pg_name:
            pg_drop(pg_name, admin)
        shutil.rmtree(tmp, ignore_errors=True)
    report(result, check(order, incidents, result["alarm_results"], stored, total_video, warm), backend, args,
           pg_name, t_start)


class WorkersServer(Server):
    """gunicorn with several worker processes (bench 3 runs one)."""

    def __init__(self, env: dict[str, str], log: Path, threads: int, workers: int) -> None:
        from bench.common import free_port

        self.port = free_port()
        self.log = log
        cmd = [str(BIN / "gunicorn"), "renju.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
               "--threads", str(threads), "--worker-class", "gthread", "--keep-alive", "30", "--log-file", str(log)]
        self.proc = subprocess.Popen(cmd, env=env, cwd=Path(__file__).resolve().parent.parent,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def measure(port: int, tokens: dict, order, categories, points, photo: bytes, args) -> dict:
    runner = Runner(port, args.clients)
    alarm_path = "/api/v1/video/alarms"
    try:
        warm = [(f"w{i}", alarm_path, json.dumps({
            "camera": WARMUP, "alarm_id": f"warm-{i}", "alarm_type": "clutter", "confidence": 0.9,
            "occurred_at": (dt.datetime.now(dt.UTC) - dt.timedelta(days=3, hours=i)).isoformat(),
            "snapshot": base64.b64encode(photo).decode()}).encode(), "application/json") for i in range(16)]
        runner.block(warm, tokens["video-ai"])
        runner.block(problem_requests(16, 1, categories, points, None), tokens["inspector"])
        runner.block(problem_requests(16, 2, categories, points, photo), tokens["inspector"])
        alarms = [(alarm_id, alarm_path, body, "application/json") for alarm_id, body, _ in order]
        plain = problem_requests(args.requests, args.seed, categories, points, None)
        with_photo = problem_requests(args.requests, args.seed + 1, categories, points, photo)
        walls = Counter()
        results: dict[str, list] = defaultdict(list)
        alarm_blocks: list[tuple[float, float, list]] = []
        for r in range(args.rounds):
            for kind, requests, token in (("plain", plain, "inspector"), ("photo", with_photo, "inspector"),
                                          ("alarm", alarms, "video-ai")):
                part = requests[r * len(requests) // args.rounds:(r + 1) * len(requests) // args.rounds]
                start, wall, got = runner.block(part, tokens[token])
                walls[kind] += wall
                results[kind].extend(got)
                if kind == "alarm":
                    alarm_blocks.append((start, wall, got))
                print(f"  round {r + 1}: {kind:5} {len(part):>6,} requests in {wall:6.1f} s", flush=True)
    finally:
        runner.close()
    return {"walls": walls, "results": results, "alarm_results": results["alarm"], "alarm_blocks": alarm_blocks}


def window_rates(blocks: list[tuple[float, float, list]], seconds: float = 5.0) -> list[float]:
    """Alarms completed per second in each whole `seconds` window of the alarm blocks (partial windows left out)."""
    rates = []
    for start, wall, got in blocks:
        done = sorted(r["done"] - start for r in got)
        for w in range(int(wall // seconds)):
            n = sum(1 for d in done if w * seconds <= d < (w + 1) * seconds)
            rates.append(n / seconds)
    return rates


def report(result: dict, verdict: dict, backend: str, args, pg_name, t_start: float) -> None:
    walls, results = result["walls"], result["results"]
    rate = {k: len(results[k]) / walls[k] for k in ("plain", "photo", "alarm")}
    lat = {k: [r["seconds"] for r in results[k]] for k in results}
    errors = {k: [r for r in results[k] if r["status"] not in (200, 201)] for k in results}
    alarm = results["alarm"]
    windows = window_rates(result["alarm_blocks"])
    by_outcome: dict[str, list[float]] = defaultdict(list)
    for r in alarm:
        if r["status"] in (200, 201):
            body = json.loads(r["body"])
            by_outcome["replayed" if body["replayed"] else body["outcome"]].append(r["seconds"])
    print_table(
        f"HTTP over loopback, gunicorn {args.workers} worker(s) x {args.threads} thread(s), {args.clients} clients, "
        f"{backend}",
        [[name, f"{len(lat[k]):,}", fmt_rate(rate[k], "req"), fmt_ms(median(lat[k])), fmt_ms(percentile(lat[k], 95)),
          fmt_ms(max(lat[k])), str(len(errors[k]))]
         for k, name in (("alarm", "POST /video/alarms (burst)"), ("plain", "POST /problems (JSON)"),
                         ("photo", "POST /problems (+1 photo)"))],
        header=["request", "count", "rate", "p50", "p95", "max", "errors"],
    )
    print_table("alarms by outcome (latency)",
                [[k, f"{len(v):,}", fmt_ms(median(v)), fmt_ms(percentile(v, 95))]
                 for k, v in sorted(by_outcome.items())],
                header=["outcome", "count", "p50", "p95"])
    stored = verdict["outcomes"]
    print(f"\nstored alarms by outcome: {dict(stored)}; problems from the burst {verdict['distinct']:,} "
          f"(expected {verdict['expected']:,}); replays sent {verdict['replays']:,}")
    print("checks: " + ("all passed" if not verdict["problems"] else "; ".join(verdict["problems"])))
    first_error = next((r for k in errors for r in errors[k]), None)
    if first_error:
        print(f"first error: {first_error['status']} {first_error['body'][:300]!r}")
    if windows:
        print(f"sustained, per 5 s window of the burst: slowest {fmt_rate(min(windows), 'alarms')}, median "
              f"{fmt_rate(median(windows), 'alarms')}, fastest {fmt_rate(max(windows), 'alarms')} "
              f"({len(windows)} windows)")
    print(f"total time {time.perf_counter() - t_start:.1f} s")
    suffix = ", PostgreSQL" if pg_name else ""
    print_figures([
        Figure(f"Alarm burst{suffix}", fmt_rate(rate["alarm"], "alarms"),
               f"{fmt_rate(rate['plain'], 'creations')} (POST /problems)", fmt_ratio(rate["alarm"] / rate["plain"])),
        Figure(f"Alarm burst vs creation with photo{suffix}", fmt_rate(rate["alarm"], "alarms"),
               f"{fmt_rate(rate['photo'], 'creations')} (+1 photo)", fmt_ratio(rate["alarm"] / rate["photo"]),
               "like for like"),
        Figure(f"Alarm burst slowest 5 s{suffix}", fmt_rate(min(windows) if windows else 0, "alarms"),
               f"{fmt_rate(rate['alarm'], 'alarms')} (whole burst)",
               fmt_ratio((min(windows) if windows else 0) / rate["alarm"]), "sustained"),
        Figure(f"Alarm burst p95{suffix}", fmt_ms(percentile(lat["alarm"], 95)),
               f"{fmt_ms(percentile(lat['plain'], 95))} (POST /problems p95)",
               fmt_ratio(percentile(lat["alarm"], 95) / percentile(lat["plain"], 95))),
        Figure(f"Alarm burst errors and check failures{suffix}",
               str(sum(len(e) for e in errors.values()) + len(verdict["problems"])), "0 expected", "-", "must be 0"),
    ])


if __name__ == "__main__":
    main()
