"""The whole city on one map: GET /api/v1/map/problems with 100,000 open problems (and 300,000 closed ones).

What is measured: the map data endpoint in-process through `django.test.Client`, logged in with a session
(`force_login`, as the map page's `fetch` is), as `dispatcher` and as `leader` (both see every problem), and as
the handler `yatou` (only their unit's problems, for comparison): the full middleware stack, session auth, the
`visible_to` + open-status query over the problem table (the closed rows must be skipped), the compact rows
`[id, lat, lng, status, key]`, ninja's JSON rendering and `MapGZipMiddleware` (the request says
`Accept-Encoding: gzip`, as browsers do; the response is checked to really be gzip, decompressed and its row
count compared with the open problems counted in SQL). Per user: 2 warm-up requests, then `--reps` (default 10)
timed ones, p50 and p95; SQL queries per request counted with `CaptureQueriesContext` on one extra request; bytes
raw and gzipped. `GET /api/v1/map/regions?kind=town` (regions shaded by their open problems; village and grid too)
is timed the same way with the same data.

Baselines, measured in the same run:
- time: the same rows (`SELECT id, lat, lng, status, is_key … WHERE status NOT IN (closed, rejected, merged)`)
  fetched with ONE raw SQL query on a plain driver cursor (psycopg, or sqlite3 with `--sqlite`) into tuples,
  interleaved with the API requests. API/raw says what the framework, rounding, JSON and gzip cost on top of the
  database's own work. A second, informative floor does raw SQL + `json.dumps` + gzip by hand (no Django).
  For the regions endpoint the raw baseline is the `GROUP BY region_id` count of open problems it needs.
- bytes: the same points as a plain GeoJSON FeatureCollection (one Feature per problem, a Point geometry,
  properties id/status/key — the naive format a map library takes as is), raw and gzipped at the same level as
  Django's GZipMiddleware. compact/GeoJSON says what the row format saves.
Targets printed: whole city < 1 s, < 2 MB gzipped.

Data: the demo regions, the Rongcheng 2023 plan and the demo accounts through the app's loaders, then
`--open` (100,000) open and `--closed` (300,000) closed problems over a year up to now, ids following report time;
open and closed are interleaved over the year by a fixed permutation (exactly `--open` rows are open); open mix
reported 10% / accepted 8% / dispatched 55% / returned 3% / rectified 17% / rework 7%, closed mix closed 85% /
rejected 10% / merged 5%; category popularity skewed; points uniform over grids, each uniform inside its grid
(64 sampled points per grid, each row one of them + up to ±11 m of jitter, rounded to 6 decimals — so the
coordinates are as incompressible as real ones); units from the app's own `suggest_unit`; 5% key problems.
PostgreSQL: database `renju_bench_map`, one `INSERT … SELECT … FROM generate_series` (secondary indexes dropped
and recreated, FK triggers skipped, then `VACUUM ANALYZE`, `CHECKPOINT`), kept for `--reuse`. SQLite (`--sqlite`):
a fresh file in a temp dir, rows generated in Python (same distribution) and inserted with one `executemany`
(secondary indexes dropped and recreated, then `ANALYZE`), removed afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import gzip
import json
import os
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    PG_ADMIN_URL,
    Figure,
    fmt_ms,
    fmt_ratio,
    median,
    percentile,
    pg_exists,
    pg_recreate,
    pg_url_for,
    postgres_answers,
    print_figures,
    print_table,
)

DB_NAME = "renju_bench_map"
N_OPEN = 100_000
N_CLOSED = 300_000
POOL_PER_GRID = 64
JITTER_DEG = 2e-4  # ±1e-4 degrees: about ±11 m north-south, ±9 m east-west at 37°N
GZIP_LEVEL = 6  # what django.utils.text.compress_string (GZipMiddleware) uses
CLOSED_STATES = ("closed", "rejected", "merged")
OPEN_MIX = [("reported", .10), ("accepted", .18), ("dispatched", .73), ("returned", .76), ("rectified", .93),
            ("rework", 1.0)]
CLOSED_MIX = [("closed", .85), ("rejected", .95), ("merged", 1.0)]
SOURCES = [("inspection", .50), ("hotline", .72), ("video", .85), ("referral", .95), ("drone", 1.0)]
VERSION = {"reported": 1, "accepted": 2, "rejected": 2, "merged": 2, "dispatched": 3, "returned": 4, "rectified": 4,
           "rework": 5, "closed": 5}
ON_UNIT = ("dispatched", "returned", "rectified", "rework", "closed")
PERMUTE = 1_000_003  # prime: g -> g * PERMUTE mod n is a permutation when n is not a multiple of it
DESCRIPTION = "路边暴露垃圾未清理"
RAW_SQL = ("SELECT id, lat, lng, status, is_key FROM problems_problem "
           "WHERE status NOT IN ('closed', 'rejected', 'merged')")
RAW_REGIONS_SQL = ("SELECT region_id, count(*) FROM problems_problem "
                   "WHERE status NOT IN ('closed', 'rejected', 'merged') GROUP BY region_id")
COLUMNS = ("number, plan_id, category_id, check_item_id, description, lat, lng, address, region_id, road_class, "
           "source, visit, severity, is_key, status, reporter_id, self_check_unit_id, suggested_unit_id, unit_id, "
           "merged_into_id, found_at, reported_at, dispatched_at, due_at, rectified_at, closed_at, version")


# ---------------------------------------------------------------------------------------------------- data


def reference_arrays(seed: int) -> dict:
    """Everything the generators draw from: categories, grids, sampled points per grid, routing, reporters."""
    import numpy as np
    import shapely

    from renju.accounts.models import User
    from renju.plans.active import active_plan
    from renju.plans.geo import region_index
    from renju.problems.routing import suggest_unit

    ctx, index = active_plan(), region_index()
    order = sorted(range(len(index.leaf_ids)), key=lambda k: index.nodes[int(index.leaf_ids[k])].code)
    grids = [int(index.leaf_ids[k]) for k in order]
    rng = np.random.default_rng(seed)
    pool_lat: list[float] = []
    pool_lng: list[float] = []
    for k in order:
        geom = index.leaf_geoms[k]
        x0, y0, x1, y1 = geom.bounds
        xs: list[float] = []
        ys: list[float] = []
        while len(xs) < POOL_PER_GRID:  # rejection sampling inside the grid's bounding box
            x = rng.uniform(x0, x1, 256)
            y = rng.uniform(y0, y1, 256)
            inside = shapely.contains_xy(geom, x, y)
            xs += x[inside].tolist()
            ys += y[inside].tolist()
        pool_lng += xs[:POOL_PER_GRID]
        pool_lat += ys[:POOL_PER_GRID]
    categories = sorted(ctx.categories.values(), key=lambda c: (c.position, c.code))
    route = [0] * (len(categories) * len(grids))
    for ci, cat in enumerate(categories):
        for gi, grid in enumerate(grids):
            unit = suggest_unit(ctx, index, category=cat, region_id=grid).unit
            route[ci * len(grids) + gi] = unit.id if unit else 0
    units = sorted(u.id for u in ctx.units.values())
    reporters = list(User.objects.filter(username__in=["inspector", "inspector2", "dispatcher"])
                     .order_by("id").values_list("id", flat=True))
    return {
        "plan": ctx.plan.id, "cat_ids": [c.id for c in categories], "grid_ids": grids, "route": route,
        "any_unit": units, "reporters": reporters, "pool_lat": [round(v, 6) for v in pool_lat],
        "pool_lng": [round(v, 6) for v in pool_lng],
    }


def _case(var: str, mix: list[tuple[str, float]]) -> str:
    whens = " ".join(f"WHEN {var} < {p} THEN '{s}'" for s, p in mix[:-1])
    return f"CASE {whens} ELSE '{mix[-1][0]}' END"


def pg_generation_sql() -> str:
    version = "CASE d.status " + " ".join(f"WHEN '{s}' THEN {v}" for s, v in VERSION.items()) + " END"
    on_unit = ", ".join(f"'{s}'" for s in ON_UNIT)
    return f"""
INSERT INTO problems_problem ({COLUMNS})
WITH base AS (
    SELECT g,
           %(t0)s::timestamptz + (g::float8 / %(n)s) * interval '365 days' AS reported_at,
           ((g::bigint * {PERMUTE}) %% %(n)s) < %(n_open)s AS is_open,
           floor(%(ncat)s * power(random(), 2.5))::int AS ci,
           floor(%(ngrid)s * random())::int AS gi,
           floor({POOL_PER_GRID} * random())::int AS pk,
           random() AS rs, random() AS rsrc, random() AS r1, random() AS r2, random() AS r3
    FROM generate_series(1, %(n)s) AS g
), typed AS (
    SELECT b.*,
           CASE WHEN b.is_open THEN {_case('b.rs', OPEN_MIX)} ELSE {_case('b.rs', CLOSED_MIX)} END AS status,
           NULLIF((%(route)s::bigint[])[b.ci * %(ngrid)s + b.gi + 1], 0) AS route_unit,
           (%(any_unit)s::bigint[])[1 + floor(b.r3 * %(nunit)s)::int] AS any_unit
    FROM base b
), dated AS (
    SELECT t.*,
           CASE WHEN t.status IN ({on_unit}) THEN t.reported_at + t.r1 * interval '36 hours' END AS dispatched_at
    FROM typed t
)
SELECT
    'MAP-' || lpad(d.g::text, 8, '0'),
    %(plan)s,
    (%(cat_ids)s::bigint[])[d.ci + 1],
    NULL,
    '{DESCRIPTION}',
    round(((%(pool_lat)s::float8[])[d.gi * {POOL_PER_GRID} + d.pk + 1] + (d.r3 - 0.5) * {JITTER_DEG})::numeric, 6),
    round(((%(pool_lng)s::float8[])[d.gi * {POOL_PER_GRID} + d.pk + 1] + (d.r2 - 0.5) * {JITTER_DEG})::numeric, 6),
    '演示路' || (1 + floor(d.r1 * 300))::int || '号',
    (%(grid_ids)s::bigint[])[d.gi + 1],
    '',
    {_case('d.rsrc', SOURCES)},
    'open',
    CASE WHEN d.r2 < 0.80 THEN 'normal' WHEN d.r2 < 0.95 THEN 'major' ELSE 'urgent' END,
    d.r3 < 0.05,
    d.status,
    (%(reporters)s::bigint[])[1 + floor(d.r1 * %(nrep)s)::int],
    NULL,
    d.route_unit,
    CASE WHEN d.dispatched_at IS NOT NULL THEN coalesce(d.route_unit, d.any_unit) END,
    NULL,
    d.reported_at - d.r2 * interval '2 hours',
    d.reported_at,
    d.dispatched_at,
    d.dispatched_at + (1 + floor(d.r2 * 5)) * interval '1 day',
    CASE WHEN d.status IN ('rectified', 'rework', 'closed')
         THEN d.dispatched_at + d.r3 * (1 + floor(d.r2 * 5)) * interval '1.2 day' END,
    CASE WHEN d.status = 'closed'
         THEN d.dispatched_at + d.r3 * (1 + floor(d.r2 * 5)) * interval '1.2 day' + d.r1 * interval '1 day'
         WHEN d.status IN ('rejected', 'merged') THEN d.reported_at + d.r1 * interval '1 day' END,
    {version}
FROM dated d
ORDER BY d.g
"""


def _pick(mix: list[tuple[str, float]], r: float) -> str:
    for value, p in mix:
        if r < p:
            return value
    return mix[-1][0]


def python_rows(ref: dict, n_open: int, n_closed: int, seed: int):
    """The same distribution as the PostgreSQL SQL, one tuple per problem (SQLite datetimes as UTC text)."""
    rng = random.Random(seed)
    n = n_open + n_closed
    t0 = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=365)
    ncat, ngrid, nunit, nrep = len(ref["cat_ids"]), len(ref["grid_ids"]), len(ref["any_unit"]), len(ref["reporters"])

    def ts(value: dt.datetime | None) -> str | None:
        return None if value is None else value.isoformat(sep=" ")

    for g in range(1, n + 1):
        reported = t0 + dt.timedelta(days=365 * g / n)
        is_open = (g * PERMUTE) % n < n_open
        ci, gi, pk = int(ncat * rng.random() ** 2.5), int(ngrid * rng.random()), int(POOL_PER_GRID * rng.random())
        rs, rsrc, r1, r2, r3 = rng.random(), rng.random(), rng.random(), rng.random(), rng.random()
        status = _pick(OPEN_MIX if is_open else CLOSED_MIX, rs)
        route_unit = ref["route"][ci * ngrid + gi] or None
        dispatched = reported + dt.timedelta(hours=36 * r1) if status in ON_UNIT else None
        days = 1 + int(r2 * 5)
        rectified = (dispatched + dt.timedelta(days=1.2 * r3 * days)
                     if status in ("rectified", "rework", "closed") else None)
        closed = (rectified + dt.timedelta(days=r1) if status == "closed" else
                  reported + dt.timedelta(days=r1) if status in ("rejected", "merged") else None)
        k = gi * POOL_PER_GRID + pk
        yield (
            f"MAP-{g:08d}", ref["plan"], ref["cat_ids"][ci], None, DESCRIPTION,
            round(ref["pool_lat"][k] + (r3 - 0.5) * JITTER_DEG, 6),
            round(ref["pool_lng"][k] + (r2 - 0.5) * JITTER_DEG, 6),
            f"演示路{1 + int(r1 * 300)}号", ref["grid_ids"][gi], "", _pick(SOURCES, rsrc), "open",
            "normal" if r2 < 0.8 else "major" if r2 < 0.95 else "urgent", r3 < 0.05, status,
            ref["reporters"][int(r1 * nrep)], None, route_unit,
            (route_unit or ref["any_unit"][int(r3 * nunit)]) if dispatched else None, None,
            ts(reported - dt.timedelta(hours=2 * r2)), ts(reported), ts(dispatched),
            ts(dispatched + dt.timedelta(days=days)) if dispatched else None, ts(rectified), ts(closed),
            VERSION[status],
        )


def generate_pg(url: str, n_open: int, n_closed: int, seed: int) -> float:
    import psycopg
    from django.core.management import call_command

    from bench.refdata import load_reference_data

    t_all = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    load_reference_data([])
    ref = reference_arrays(seed)
    print(f"  migrate + regions + plan + users + {len(ref['pool_lat']):,} sampled points: "
          f"{time.perf_counter() - t_all:.1f} s", flush=True)
    n = n_open + n_closed
    params = dict(ref, n=n, n_open=n_open, t0=dt.datetime.now(dt.UTC) - dt.timedelta(days=365),
                  ncat=len(ref["cat_ids"]), ngrid=len(ref["grid_ids"]), nunit=len(ref["any_unit"]),
                  nrep=len(ref["reporters"]))
    index_sql = """SELECT pg_get_indexdef(i.indexrelid), i.indexrelid::regclass::text FROM pg_index i
                   WHERE i.indrelid = 'problems_problem'::regclass
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("SELECT setseed(%s)", (seed / 1000,))
        indexes = conn.execute(index_sql).fetchall()
        for _, name in indexes:
            conn.execute(f"DROP INDEX {name}")
        t0 = time.perf_counter()
        conn.execute(pg_generation_sql(), params)
        print(f"  INSERT … SELECT of {n:,} problems: {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        conn.execute("UPDATE problems_problem SET merged_into_id = id - 1 WHERE status = 'merged' AND id > "
                     "(SELECT min(id) FROM problems_problem)")
        for ddl, _ in indexes:
            conn.execute(ddl)
        conn.execute("VACUUM ANALYZE problems_problem")
        conn.execute("ANALYZE")
        conn.execute("CHECKPOINT")  # flush the load now, not while requests are being timed
        print(f"  {len(indexes)} indexes recreated, VACUUM ANALYZE, CHECKPOINT: {time.perf_counter() - t0:.1f} s",
              flush=True)
    return time.perf_counter() - t_all


def generate_sqlite(path: Path, n_open: int, n_closed: int, seed: int) -> float:
    from django.core.management import call_command
    from django.db import connection

    from bench.refdata import load_reference_data

    t_all = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    load_reference_data([])
    ref = reference_arrays(seed)
    connection.close()
    print(f"  migrate + regions + plan + users + {len(ref['pool_lat']):,} sampled points: "
          f"{time.perf_counter() - t_all:.1f} s", flush=True)
    t0 = time.perf_counter()
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA foreign_keys = OFF")
        marks = ", ".join("?" * len(COLUMNS.split(",")))
        # Secondary indexes are built once at the end: sorting once is much faster than 400,000 B-tree inserts.
        indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                               "AND tbl_name = 'problems_problem'").fetchall()
        with conn:
            for name, _ in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            conn.executemany(f"INSERT INTO problems_problem ({COLUMNS}) VALUES ({marks})",
                             python_rows(ref, n_open, n_closed, seed))
            conn.execute("UPDATE problems_problem SET merged_into_id = id - 1 WHERE status = 'merged' AND id > "
                         "(SELECT min(id) FROM problems_problem)")
            for _, ddl in indexes:
                conn.execute(ddl)
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    print(f"  Python rows + executemany of {n_open + n_closed:,} problems, ANALYZE: {time.perf_counter() - t0:.1f} s",
          flush=True)
    return time.perf_counter() - t_all


# ---------------------------------------------------------------------------------------------------- measuring


def geojson_bytes(rows: list[tuple]) -> bytes:
    """The naive format: a FeatureCollection of Points, what a map library would take without any code."""
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(lng, 5), round(lat, 5)]},
                 "properties": {"id": pid, "status": status, "key": bool(key)}}
                for pid, lat, lng, status, key in rows]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def by_hand(rows: list[tuple]) -> bytes:
    """Raw rows → the endpoint's compact JSON → gzip, with no framework at all (an informative floor)."""
    data = [[pid, round(lat, 5), round(lng, 5), status, 1 if key else 0] for pid, lat, lng, status, key in rows]
    body = json.dumps({"fields": ["id", "lat", "lng", "status", "key"], "rows": data, "count": len(data)}).encode()
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def body_of(response) -> tuple[bytes, bool]:
    """(decompressed body, whether it came gzipped)."""
    content = response.content
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(content), True
    return content, False


def timed(fn, reps: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="run on a fresh SQLite file in a temp dir instead")
    parser.add_argument("--reuse", action="store_true", help=f"PostgreSQL: keep {DB_NAME} if its counts match")
    parser.add_argument("--open", type=int, default=N_OPEN, help="open problems (default 100,000)")
    parser.add_argument("--closed", type=int, default=N_CLOSED, help="closed/rejected/merged ones (default 300,000)")
    parser.add_argument("--reps", type=int, default=10, help="timed requests per case (default 10)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--admin-url", default=PG_ADMIN_URL, help="maintenance database URL")
    args = parser.parse_args(argv)
    if (args.open + args.closed) % PERMUTE == 0:
        raise SystemExit(f"open + closed must not be a multiple of {PERMUTE}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally below removes the temp dir
    t_start = time.perf_counter()
    tmp = None
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renju.settings")
    try:
        if args.sqlite:
            tmp = Path(tempfile.mkdtemp(prefix="renju-bench-map-"))
            os.environ.pop("DATABASE_URL", None)
            os.environ.update(RENJU_VAR_DIR=str(tmp), RENJU_MEDIA_ROOT=str(tmp / "media"))
            backend = "SQLite (WAL, file in a temp dir)"
        else:
            if not postgres_answers(args.admin_url):
                raise SystemExit(f"PostgreSQL does not answer at {args.admin_url}; nothing measured "
                                 "(use --sqlite for SQLite)")
            backend = f"PostgreSQL ({DB_NAME})"
        run(args, backend, tmp, t_start)
    finally:
        if tmp is not None:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(tmp, ignore_errors=True)


def run(args, backend: str, tmp: Path | None, t_start: float) -> None:
    url = None
    reuse = False
    if tmp is None:
        import psycopg

        url = pg_url_for(DB_NAME, args.admin_url)
        if args.reuse and pg_exists(DB_NAME, args.admin_url):
            try:
                with psycopg.connect(url) as conn:
                    n_open, n_all = conn.execute(
                        "SELECT count(*) FILTER (WHERE status NOT IN ('closed', 'rejected', 'merged')), count(*) "
                        "FROM problems_problem").fetchone()
                reuse = (n_open, n_all - n_open) == (args.open, args.closed)
                print(f"{DB_NAME} holds {n_open:,} open and {n_all - n_open:,} other problems: "
                      + ("reused" if reuse else "regenerating"))
            except psycopg.Error as exc:
                print(f"{DB_NAME} is not usable ({exc.__class__.__name__}): regenerating")
        if not reuse:
            pg_recreate(DB_NAME, args.admin_url)
        os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    t_gen = None
    if reuse:  # new migrations since the data was generated (indexes, say) must be there too
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    else:
        print(f"generating {args.open:,} open + {args.closed:,} closed problems ({backend}) …", flush=True)
        if tmp is None:
            t_gen = generate_pg(url, args.open, args.closed, args.seed)
        else:
            t_gen = generate_sqlite(tmp / "renju.sqlite3", args.open, args.closed, args.seed)
        print(f"generation took {t_gen:.1f} s", flush=True)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from renju.accounts.models import User

    if tmp is None:
        import psycopg

        raw = psycopg.connect(url, autocommit=True, prepare_threshold=None)
    else:
        raw = sqlite3.connect(tmp / "renju.sqlite3")

    def fetch_raw(sql: str = RAW_SQL, params: tuple = ()) -> list[tuple]:
        return raw.execute(sql, params).fetchall()

    try:
        total, open_total = fetch_raw("SELECT count(*), sum(CASE WHEN status NOT IN ('closed', 'rejected', 'merged') "
                                      "THEN 1 ELSE 0 END) FROM problems_problem")[0]
        dist = fetch_raw("SELECT status, count(*) FROM problems_problem GROUP BY 1 ORDER BY 2 DESC")
        handler = User.objects.select_related("unit").get(username="yatou")
        print(f"{backend}: {total:,} problems, {open_total:,} open; " + ", ".join(f"{s} {n:,}" for s, n in dist))

        clients = {}
        for name in ("dispatcher", "leader", "yatou"):
            client = Client(raise_request_exception=True)
            client.force_login(User.objects.get(username=name))
            clients[name] = client
        handler_sql = RAW_SQL + " AND (unit_id = {0} OR self_check_unit_id = {0})".format(int(handler.unit_id))
        expected = {"dispatcher": open_total, "leader": open_total,
                    "yatou": len(fetch_raw(handler_sql))}
        raw_sql_for = {"dispatcher": RAW_SQL, "leader": RAW_SQL, "yatou": handler_sql}

        load_before = os.getloadavg()[0]
        rows_out = []
        results: dict[str, dict] = {}
        problems_path = "/api/v1/map/problems"
        for name, client in clients.items():
            def api_gzip(client=client):
                return client.get(problems_path, HTTP_ACCEPT_ENCODING="gzip")

            response = api_gzip()
            if response.status_code != 200:
                raise SystemExit(f"{problems_path} as {name} -> {response.status_code}: {response.content[:300]!r}")
            body, was_gzipped = body_of(response)
            data = json.loads(body)
            plain = client.get(problems_path)
            with CaptureQueriesContext(connection) as captured:
                api_gzip()
            n_queries = len(captured)  # now: the next request's request_started signal empties the log
            gc.collect()
            t_api: list[float] = []
            t_raw: list[float] = []
            sql = raw_sql_for[name]
            for _ in range(2):
                api_gzip()
                fetch_raw(sql)
            for _ in range(args.reps):  # alternate, so drift hits both sides alike
                t0 = time.perf_counter()
                api_gzip()
                t_api.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                fetch_raw(sql)
                t_raw.append(time.perf_counter() - t0)
            t_plain = timed(lambda client=client: client.get(problems_path), max(3, args.reps // 2), warmup=1)
            results[name] = {
                "api": t_api, "raw": t_raw, "plain": t_plain, "gzip_bytes": len(response.content),
                "raw_bytes": len(plain.content), "gzipped": was_gzipped, "rows": len(data["rows"]),
                "expected": expected[name], "queries": n_queries,
                "plain_encoding": plain.get("Content-Encoding", "-"),
            }
            rows_out.append([
                f"map/problems as {name}", f"{len(data['rows']):,}", f"{expected[name]:,}",
                fmt_ms(median(t_api)), fmt_ms(percentile(t_api, 95)), fmt_ms(median(t_plain)),
                fmt_ms(median(t_raw)), fmt_ratio(median(t_api) / median(t_raw)),
                f"{len(plain.content) / 1e6:,.2f} MB", f"{len(response.content) / 1e6:,.2f} MB",
                "yes" if was_gzipped else "NO", str(n_queries)])
            gc.collect()

        # The bytes baseline and the by-hand floor, from the same rows the dispatcher got.
        raw_rows = fetch_raw()
        geo = geojson_bytes(raw_rows)
        geo_gz = gzip.compress(geo, compresslevel=GZIP_LEVEL, mtime=0)
        t_hand = timed(lambda: by_hand(fetch_raw()), max(3, args.reps // 2), warmup=1)
        hand_gz = by_hand(raw_rows)
        compact_no_spaces = json.dumps(
            {"fields": ["id", "lat", "lng", "status", "key"],
             "rows": [[p, round(a, 5), round(b, 5), s, 1 if k else 0] for p, a, b, s, k in raw_rows]},
            separators=(",", ":")).encode()
        del raw_rows
        gc.collect()

        # Regions shaded by open problems.
        region_rows = []
        region_res: dict[str, dict] = {}
        client = clients["dispatcher"]
        for kind in ("town", "village", "grid"):
            path = f"/api/v1/map/regions?kind={kind}"
            response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
            if response.status_code != 200:
                raise SystemExit(f"{path} -> {response.status_code}: {response.content[:300]!r}")
            body, was_gzipped = body_of(response)
            features = json.loads(body)["features"]
            with CaptureQueriesContext(connection) as captured:
                client.get(path, HTTP_ACCEPT_ENCODING="gzip")
            n_queries = len(captured)
            t_api, t_raw = [], []
            for _ in range(2):
                client.get(path, HTTP_ACCEPT_ENCODING="gzip")
            for _ in range(args.reps if kind == "town" else max(3, args.reps // 2)):  # town is the figure
                t0 = time.perf_counter()
                client.get(path, HTTP_ACCEPT_ENCODING="gzip")
                t_api.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                fetch_raw(RAW_REGIONS_SQL)
                t_raw.append(time.perf_counter() - t0)
            open_sum = sum(f["properties"]["open"] for f in features)
            region_res[kind] = {"api": t_api, "raw": t_raw, "open_sum": open_sum}
            region_rows.append([
                f"map/regions?kind={kind}", f"{len(features)}", f"{open_sum:,}", fmt_ms(median(t_api)),
                fmt_ms(percentile(t_api, 95)), fmt_ms(median(t_raw)), fmt_ratio(median(t_api) / median(t_raw)),
                f"{len(body) / 1e6:,.3f} MB", f"{len(response.content) / 1e6:,.3f} MB", "yes" if was_gzipped else "NO",
                str(n_queries)])
        load_after = os.getloadavg()[0]
    finally:
        raw.close()

    print_table(f"GET /api/v1/map/problems, {args.reps} timed requests each after 2 warm-ups "
                f"(gzip requested; {backend})", rows_out,
                header=["request", "rows", "open in SQL", "API p50", "API p95", "no-gzip p50", "raw p50",
                        "API/raw", "raw bytes", "gzip bytes", "gzipped", "SQL/request"])
    print_table("Bytes of the same open problems (dispatcher's view)", [
        ["compact rows, as served", f"{results['dispatcher']['raw_bytes']:,}",
         f"{results['dispatcher']['gzip_bytes']:,}"],
        ["compact rows without spaces (separators=(',', ':'))", f"{len(compact_no_spaces):,}",
         f"{len(gzip.compress(compact_no_spaces, compresslevel=GZIP_LEVEL, mtime=0)):,}"],
        ["plain GeoJSON FeatureCollection (baseline)", f"{len(geo):,}", f"{len(geo_gz):,}"],
    ], header=["format", "raw bytes", "gzip bytes"])
    print(f"\nby hand (raw SQL + json.dumps + gzip, no Django): p50 {fmt_ms(median(t_hand))}, "
          f"{len(hand_gz):,} gzip bytes")
    print_table(f"GET /api/v1/map/regions as dispatcher, {args.reps} timed requests for town, "
                f"{max(3, args.reps // 2)} for the others (raw = the GROUP BY count)",
                region_rows, header=["request", "regions", "open sum", "API p50", "API p95", "raw p50", "API/raw",
                                     "raw bytes", "gzip bytes", "gzipped", "SQL/request"])
    disp = results["dispatcher"]
    mismatched = [n for n, r in results.items() if r["rows"] != r["expected"]]
    not_gzipped = [n for n, r in results.items() if not r["gzipped"]]
    print(f"\nrows returned = open problems in SQL: {'yes' if not mismatched else 'NO for ' + ', '.join(mismatched)}; "
          f"gzip: {'every response' if not not_gzipped else 'NOT for ' + ', '.join(not_gzipped)}; "
          f"without Accept-Encoding the response is {disp['plain_encoding']!s} (expected '-')")
    print("open problems on the shaded regions (should be all of them): " + ", ".join(
        f"kind={kind} {res['open_sum']:,} of {open_total:,}" for kind, res in region_res.items()))
    print(f"load average (1 min) {load_before:.1f} before measuring, {load_after:.1f} after "
          f"({os.cpu_count()} CPUs; other work on the machine moves the figures)")
    print(f"total time {time.perf_counter() - t_start:.1f} s"
          + (f" (generation {t_gen:.1f} s)" if t_gen is not None else " (data reused)"))
    suffix = ", SQLite" if tmp is not None else ""
    city = f"{open_total:,} open"
    api_all = disp["api"] + results["leader"]["api"]
    raw_all = disp["raw"] + results["leader"]["raw"]
    town = region_res["town"]
    figures = [
        Figure(f"map whole city p95{suffix}", fmt_ms(percentile(api_all, 95)),
               f"{fmt_ms(percentile(raw_all, 95))} raw SQL p95", fmt_ratio(percentile(api_all, 95) /
                                                                        percentile(raw_all, 95)),
               f"{city}; target < 1 s"),
        Figure(f"map whole city p50{suffix}", fmt_ms(median(api_all)), f"{fmt_ms(median(raw_all))} raw SQL p50",
               fmt_ratio(median(api_all) / median(raw_all)), "dispatcher + leader"),
        Figure(f"map whole city gzip{suffix}", f"{disp['gzip_bytes'] / 1e6:,.2f} MB",
               f"{len(geo_gz) / 1e6:,.2f} MB GeoJSON gzip", fmt_ratio(disp["gzip_bytes"] / len(geo_gz)),
               "target < 2 MB gzipped"),
        Figure(f"map whole city raw bytes{suffix}", f"{disp['raw_bytes'] / 1e6:,.2f} MB",
               f"{len(geo) / 1e6:,.2f} MB GeoJSON", fmt_ratio(disp["raw_bytes"] / len(geo)), "compact vs GeoJSON"),
        Figure(f"map rows = open, gzip, SQL/request{suffix}",
               f"{'yes' if not mismatched else 'NO'}, {'yes' if not not_gzipped else 'NO'}, {disp['queries']}",
               "-", "-", "must be yes, yes, constant"),
        Figure(f"map regions kind=town p95{suffix}", fmt_ms(percentile(town["api"], 95)),
               f"{fmt_ms(percentile(town['raw'], 95))} GROUP BY p95",
               fmt_ratio(percentile(town["api"], 95) / percentile(town["raw"], 95)),
               f"{town['open_sum']:,} of {open_total:,} open shown"),
    ]
    if t_gen is not None:
        figures.append(Figure(f"map data generation{suffix}", f"{t_gen:.0f} s",
                              f"{args.open + args.closed:,} rows", "-"))
    print_figures(figures)


if __name__ == "__main__":
    main()
