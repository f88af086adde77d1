"""Problem creation through the real HTTP API, against the cheapest authenticated request, on a real server.

What is measured: POST /api/v1/problems (JSON, no photos) served by gunicorn (one worker, one thread, gthread
worker so keep-alive works, as `make serve` uses) over loopback from one sequential client on one keep-alive
`http.client` connection. Each creation runs the whole path: bearer-token auth, ninja routing and validation,
`problem_report` (active plan, region index lookup of the point among the demo grids, unit routing, problem number
from `NumberSequence`, the INSERT of the problem and of its `report` event, in one transaction) and the detail
response (problem, events, photos). The points are representative points of random grids of the demo region
file; the categories come from GET /api/v1/categories; the source is `inspection` (the inspector's account).

Baseline, and why it is fair: GET /api/v1/me on the same connection, same server, same token, interleaved with
the creations in the same run: it pays the same HTTP, WSGI, middleware, routing and token lookup but does no work
of its own, so creations/s ÷ trivial requests/s is the share of the request budget left after the domain work
(target >= 0.3). Both sides are warmed up first (the first request builds the plan cache and the region index).

Setup (not timed): a temporary RENJU_VAR_DIR with a fresh SQLite file, `renju migrate`, then regions, plan and
demo users through the app's loaders (`bench.refdata`) and an API token for `inspector`. With
`--database-url postgresql://…/renju_bench…` the same runs on a dedicated PostgreSQL database that is created
before and dropped after. `--clients N` runs N client threads (one connection each) against `--threads N`.
"""

from __future__ import annotations

import argparse
import http.client
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
from pathlib import Path
from urllib.parse import urlparse

from bench.common import (
    REGIONS_FILE,
    ROOT,
    Figure,
    fmt_ms,
    fmt_rate,
    fmt_ratio,
    free_port,
    median,
    percentile,
    pg_drop,
    pg_recreate,
    print_figures,
    print_table,
)

BIN = Path(sys.executable).parent
DESCRIPTIONS = ["路边暴露垃圾未清理", "绿化带内堆放杂物", "墙体乱贴乱画小广告", "道路破损坑洼积水", "沿街商户占道经营",
                "河道漂浮物较多", "建筑垃圾随意倾倒", "公厕保洁不到位"]


def grid_points(n: int, seed: int) -> list[tuple[float, float]]:
    """(lat, lng) of the representative points of n random grids of the demo region file (6 decimals)."""
    from shapely.geometry import shape

    features = json.loads(REGIONS_FILE.read_text(encoding="utf-8"))["features"]
    grids = [f for f in features if f["properties"]["kind"] == "grid"]
    rng = random.Random(seed)
    points = []
    for f in rng.sample(grids, min(n, len(grids))):
        p = shape(f["geometry"]).representative_point()
        points.append((round(p.y, 6), round(p.x, 6)))
    return points


def run(cmd: list[str], env: dict[str, str], what: str) -> str:
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return proc.stdout


class Server:
    """gunicorn on a free loopback port, started and stopped by this process only."""

    def __init__(self, env: dict[str, str], log: Path, threads: int) -> None:
        self.port = free_port()
        self.log = log
        cmd = [str(BIN / "gunicorn"), "renju.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
               "--threads", str(threads), "--worker-class", "gthread", "--keep-alive", "30", "--log-file", str(log)]
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)

    def wait_ready(self, token: str, timeout_s: float = 60.0) -> float:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout_s:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.proc.returncode}):\n{self.log.read_text()[-4000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return time.monotonic() - t0
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within {timeout_s:.0f} s:\n{self.log.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


class Client:
    """One keep-alive connection; every call reads the whole response and records its latency."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.errors: list[str] = []

    def call(self, method: str, path: str, body: dict | None = None, expect: int = 200) -> tuple[float, bytes]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        payload = resp.read()
        elapsed = time.perf_counter() - t0
        if resp.status != expect:
            self.errors.append(f"{method} {path} -> {resp.status}: {payload[:300]!r}")
        return elapsed, payload

    def close(self) -> None:
        self.conn.close()


def problem_body(rng: random.Random, categories: list[str], points: list[tuple[float, float]]) -> dict:
    lat, lng = rng.choice(points)
    return {"category": rng.choice(categories), "lat": lat, "lng": lng, "description": rng.choice(DESCRIPTIONS),
            "source": "inspection", "address": f"演示路{rng.randint(1, 300)}号"}


def measure(port: int, token: str, categories: list[str], points: list[tuple[float, float]], k: int, clients: int,
            rounds: int, seed: int) -> dict[str, list[float] | float | list[str]]:
    """k creations and k trivial GETs, in `rounds` alternating blocks, split over `clients` threads."""
    lat_post: list[float] = []
    lat_get: list[float] = []
    errors: list[str] = []
    wall = {"post": 0.0, "get": 0.0}
    conns = [Client(port, token) for _ in range(clients)]
    lock = threading.Lock()

    def block(kind: str, n: int) -> None:
        per = [n // clients + (1 if i < n % clients else 0) for i in range(clients)]

        def work(i: int) -> None:
            rng = random.Random(seed * 1000 + i * 7 + len(lat_post))
            c = conns[i]
            mine = []
            for _ in range(per[i]):
                if kind == "post":
                    t, _ = c.call("POST", "/api/v1/problems", problem_body(rng, categories, points), expect=201)
                else:
                    t, _ = c.call("GET", "/api/v1/me")
                mine.append(t)
            with lock:
                (lat_post if kind == "post" else lat_get).extend(mine)

        t0 = time.perf_counter()
        if clients == 1:
            work(0)
        else:
            threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
        wall[kind] += time.perf_counter() - t0

    try:
        for c in conns:  # warm-up: plan cache, region index, token row, connection
            for _ in range(5):
                c.call("GET", "/api/v1/me")
                c.call("POST", "/api/v1/problems", problem_body(random.Random(seed), categories, points), expect=201)
        for r in range(rounds):
            n = k // rounds + (1 if r < k % rounds else 0)
            block("get", n)
            block("post", n)
    finally:
        for c in conns:
            errors.extend(c.errors)
            c.close()
    return {"post": lat_post, "get": lat_get, "post_wall": wall["post"], "get_wall": wall["get"], "errors": errors}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", "--requests", type=int, default=300, help="creations and trivial GETs each (300)")
    parser.add_argument("--clients", type=int, default=1, help="client threads = server threads (default 1)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating GET/POST blocks (default 3)")
    parser.add_argument("--database-url", default=None,
                        help="run on PostgreSQL, e.g. postgresql://postgres@127.0.0.1:5432/renju_bench (the "
                             "database is dropped and created, then dropped at the end; its name must start "
                             "with renju_bench)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    clients = max(1, args.clients)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally below stops the server and cleans up

    t_start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="renju-bench-api-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(RENJU_VAR_DIR=str(tmp), RENJU_MEDIA_ROOT=str(tmp / "media"), DJANGO_SETTINGS_MODULE="renju.settings",
               PYTHONPATH=str(ROOT))
    pg_name = None
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
        setup = json.loads(run([sys.executable, "-m", "bench.refdata", "--token", "inspector"], env,
                               "reference data").strip().splitlines()[-1])
        token = setup["tokens"]["inspector"]
        t_setup = time.perf_counter() - t0
        server = Server(env, tmp / "gunicorn.log", threads=clients)
        t_ready = server.wait_ready(token)
        print(f"backend: {backend}; setup (migrate + regions + plan + users) {t_setup:.1f} s; "
              f"gunicorn answered after {t_ready:.1f} s on 127.0.0.1:{server.port}")

        probe = Client(server.port, token)
        _, payload = probe.call("GET", "/api/v1/categories")
        probe.close()
        categories = [c["code"] for c in json.loads(payload)]
        points = grid_points(200, seed=args.seed)
        print(f"{len(categories)} categories, {len(points)} grid points; {args.requests} creations and "
              f"{args.requests} GET /me, {clients} client(s), {args.rounds} alternating blocks")
        result = measure(server.port, token, categories, points, args.requests, clients, args.rounds, args.seed)
    finally:
        if server is not None:
            server.stop()
        if pg_name:
            pg_drop(pg_name, urlparse(args.database_url)._replace(path="/postgres").geturl())
        shutil.rmtree(tmp, ignore_errors=True)

    lat_post, lat_get = result["post"], result["get"]
    errors = result["errors"]
    rate_post = len(lat_post) / result["post_wall"]
    rate_get = len(lat_get) / result["get_wall"]
    print_table(
        f"HTTP over loopback, gunicorn 1 worker x {clients} thread(s), {backend}",
        [
            ["POST /api/v1/problems", f"{len(lat_post):,}", fmt_rate(rate_post, "req"), fmt_ms(median(lat_post)),
             fmt_ms(percentile(lat_post, 95)), fmt_ms(max(lat_post))],
            ["GET /api/v1/me", f"{len(lat_get):,}", fmt_rate(rate_get, "req"), fmt_ms(median(lat_get)),
             fmt_ms(percentile(lat_get, 95)), fmt_ms(max(lat_get))],
        ],
        header=["request", "count", "rate", "p50", "p95", "max"],
    )
    print(f"\nerrors: {len(errors)}" + (f"; first: {errors[0]}" if errors else ""))
    print(f"total time {time.perf_counter() - t_start:.1f} s")
    suffix = "" if not pg_name else ", PostgreSQL"
    suffix += "" if clients == 1 else f", {clients} clients"
    print_figures([
        Figure(f"API create{suffix}", fmt_rate(rate_post, "creations"), f"{fmt_rate(rate_get, 'req')} (GET /me)",
               fmt_ratio(rate_post / rate_get), "target >= 0.3"),
        Figure(f"API create p95{suffix}", fmt_ms(percentile(lat_post, 95)),
               f"{fmt_ms(percentile(lat_get, 95))} (GET /me p95)",
               fmt_ratio(percentile(lat_post, 95) / percentile(lat_get, 95))),
        Figure(f"API create errors{suffix}", str(len(errors)), "0 expected", "-", "must be 0"),
    ])


if __name__ == "__main__":
    main()
