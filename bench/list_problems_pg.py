"""Listing problems: GET /api/v1/problems (50 a page, newest first, with filters) over 1,000,000 rows on PostgreSQL.

What is measured: the list endpoint in-process through `django.test.Client` (full middleware stack, bearer-token
auth, ninja validation, `_apply_filters`, the keyset page query, `problem_out` and JSON rendering) for realistic
filter combinations — no filter, by status, unit, category, region (a town, i.e. every grid inside it), source,
overdue, status + unit, a month of report dates, the second page through `next_cursor`, narrow combinations, and a
unit handler's own view (`visible_to`: unit OR self-check unit) — as the `dispatcher` account and as a handler.
Each combination: 3 warm-up requests, then `--reps` (default 40) timed ones; p50 and p95 per combination and the
p95 over all 50-row pages (target <= 50 ms; the limit=200 row is there for the query count, not in that p95).
SQL queries per request are counted with `CaptureQueriesContext` on one extra request per combination (not a timed
one); they must not depend on the page size, and only filters that resolve a code (region) may add one.

Baseline, and why it is fair: the same page (same WHERE, ORDER BY reported_at DESC, id DESC, LIMIT 51 — the API
fetches one row more to know whether there is a next page) fetched with ONE hand-written SQL query selecting only
the columns the list shows (problem columns, category/region/unit/suggested-unit code and name), through a plain
psycopg cursor with prepared statements off (the API's Django connection binds client-side and plans every query
too), rows fetched into tuples. It is the floor for this page on this database; API/raw says what the framework,
auth, the extra bookkeeping queries and serialisation cost on top. The raw ids are compared with the API's
(mismatches must be 0).

Data (generated once, kept in database `renju_bench_list` for re-runs with `--reuse`): the demo regions, the
Rongcheng 2023 plan and the demo accounts through the app's loaders, then 1,000,000 problems by one
`INSERT … SELECT … FROM generate_series` over a year up to now (ids follow report time), with skewed category
popularity, uniform grids, the unit the app's own `suggest_unit` routes each (category, grid) to, source mix
inspection 45% / hotline 20% / video 12% / self_check 10% / referral 8% / drone 5%, a status mix by age (most
old problems closed, recent ones reported or dispatched, ~4% of old ones still open and overdue), due dates 1–5
days after dispatch (a simplification: no working calendar), unique numbers. No `report` events are written (the
list does not read them). Secondary indexes are dropped during the load and recreated from their own definitions,
FK triggers are skipped (`session_replication_role = replica`; the data is consistent by construction), then
`VACUUM ANALYZE` and a `CHECKPOINT` (so the load's dirty pages are not flushed during the timed requests).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from bench.common import (
    PG_ADMIN_URL,
    Figure,
    bench_database,
    fmt_ms,
    fmt_ratio,
    median,
    percentile,
    print_figures,
    print_table,
)

DB_NAME = "renju_bench_list"
N_ROWS = 1_000_000
LIMIT = 50
DESCRIPTIONS = ["路边暴露垃圾未清理", "绿化带内堆放杂物", "墙体乱贴乱画小广告", "道路破损坑洼积水", "沿街商户占道经营",
                "河道漂浮物较多", "建筑垃圾随意倾倒", "公厕保洁不到位"]
LIST_COLUMNS = """
    p.id, p.number, p.status, p.description, p.lat, p.lng, p.address, p.source, p.visit, p.severity, p.is_key,
    p.found_at, p.reported_at, p.dispatched_at, p.due_at, p.rectified_at, p.closed_at,
    c.code, c.name, c.national_code, r.code, r.name, u.code, u.name, su.code, su.name"""
LIST_FROM = """
    problems_problem p
    JOIN plans_category c ON c.id = p.category_id
    JOIN plans_region r ON r.id = p.region_id
    LEFT JOIN plans_unit u ON u.id = p.unit_id
    LEFT JOIN plans_unit su ON su.id = p.suggested_unit_id"""

# Status mix by age bucket: (status, cumulative probability); buckets < 3 days, 3–30 days, older.
STATUS_MIX = {
    "young": [("reported", .30), ("accepted", .45), ("dispatched", .85), ("rectified", .95), ("rejected", .98),
              ("merged", 1.0)],
    "month": [("reported", .03), ("accepted", .06), ("dispatched", .31), ("returned", .33), ("rectified", .48),
              ("rework", .52), ("closed", .95), ("rejected", .98), ("merged", 1.0)],
    "old": [("dispatched", .04), ("rework", .05), ("rectified", .07), ("returned", .075), ("closed", .93),
            ("rejected", .97), ("merged", 1.0)],
}
VERSION = {"reported": 1, "accepted": 2, "rejected": 2, "merged": 2, "dispatched": 3, "returned": 4, "rectified": 4,
           "rework": 5, "closed": 5}
SOURCES = [("inspection", .45), ("hotline", .65), ("video", .77), ("self_check", .87), ("referral", .95),
           ("drone", 1.0)]


def _case(var: str, mix: list[tuple[str, float]]) -> str:
    whens = " ".join(f"WHEN {var} < {p} THEN '{s}'" for s, p in mix[:-1])
    return f"CASE {whens} ELSE '{mix[-1][0]}' END"


def generation_sql() -> str:
    status = (f"CASE WHEN age < interval '3 days' THEN {_case('rs', STATUS_MIX['young'])} "
              f"WHEN age < interval '30 days' THEN {_case('rs', STATUS_MIX['month'])} "
              f"ELSE {_case('rs', STATUS_MIX['old'])} END")
    version = "CASE status " + " ".join(f"WHEN '{s}' THEN {v}" for s, v in VERSION.items()) + " END"
    desc = "ARRAY[" + ", ".join(f"'{d}'" for d in DESCRIPTIONS) + "]"
    return f"""
INSERT INTO problems_problem (
    number, plan_id, category_id, check_item_id, description, lat, lng, address, region_id, road_class, source,
    visit, severity, is_key, status, reporter_id, self_check_unit_id, suggested_unit_id, unit_id, merged_into_id,
    found_at, reported_at, dispatched_at, due_at, rectified_at, closed_at, version, ledger_plan)
WITH base AS (
    SELECT g,
           %(t0)s::timestamptz + (g::float8 / %(n)s) * interval '365 days' AS reported_at,
           floor(%(ncat)s * power(random(), 2.5))::int AS ci,
           floor(%(ngrid)s * random())::int AS gi,
           random() AS rs, random() AS rsrc, random() AS rsev, random() AS r1, random() AS r2, random() AS r3
    FROM generate_series(1, %(n)s) AS g
), routed AS (
    SELECT b.*, now() - b.reported_at AS age,
           NULLIF((%(route)s::bigint[])[b.ci * %(ngrid)s + b.gi + 1], 0) AS route_unit,
           (%(any_unit)s::bigint[])[1 + floor(b.r3 * %(nunit)s)::int] AS any_unit
    FROM base b
), typed AS (
    SELECT r.*, {status} AS status,
           CASE WHEN r.route_unit IS NULL AND {_case('r.rsrc', SOURCES)} = 'self_check' THEN 'inspection'
                ELSE {_case('r.rsrc', SOURCES)} END AS source
    FROM routed r
), dated AS (
    SELECT t.*,
           CASE WHEN t.status IN ('dispatched', 'returned', 'rectified', 'rework', 'closed')
                THEN t.reported_at + t.r1 * interval '36 hours' END AS dispatched_at
    FROM typed t
)
SELECT
    'RC-' || to_char(d.reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' || lpad(d.g::text, 7, '0'),
    %(plan)s,
    (%(cat_ids)s::bigint[])[d.ci + 1],
    NULL,
    ({desc})[1 + floor(d.r2 * {len(DESCRIPTIONS)})::int],
    (%(grid_lat)s::float8[])[d.gi + 1] + (d.r3 - 0.5) * 1e-5,
    (%(grid_lng)s::float8[])[d.gi + 1] + (d.r2 - 0.5) * 1e-5,
    '演示路' || (1 + floor(d.r1 * 300))::int || '号',
    (%(grid_ids)s::bigint[])[d.gi + 1],
    '',
    d.source,
    CASE WHEN d.r3 < 0.1 THEN 'covert' ELSE 'open' END,
    CASE WHEN d.rsev < 0.80 THEN 'normal' WHEN d.rsev < 0.95 THEN 'major' ELSE 'urgent' END,
    d.r2 < 0.05,
    d.status,
    CASE WHEN d.source = 'self_check'
         THEN coalesce(NULLIF((%(handler_of)s::bigint[])[d.route_unit::int], 0), (%(reporters)s::bigint[])[1])
         ELSE (%(reporters)s::bigint[])[1 + floor(d.r1 * %(nrep)s)::int] END,
    CASE WHEN d.source = 'self_check' THEN d.route_unit END,
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
         THEN d.dispatched_at + d.r3 * (1 + floor(d.r2 * 5)) * interval '1.2 day' + d.r1 * interval '1 day' END,
    {version},
    ''
FROM dated d
ORDER BY d.g
"""


def generate(url: str, n: int) -> float:
    """Create, migrate, load reference data and generate n problems; returns the seconds it took."""
    import psycopg
    from django.core.management import call_command

    from bench.refdata import load_reference_data
    from renju.accounts.models import Role, User
    from renju.plans.active import active_plan
    from renju.plans.geo import region_index
    from renju.problems.routing import suggest_unit

    t_all = time.perf_counter()
    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    load_reference_data([])
    print(f"  migrate + regions + plan + users: {time.perf_counter() - t0:.1f} s", flush=True)

    ctx = active_plan()
    index = region_index()
    grids = sorted((index.nodes[int(i)] for i in index.leaf_ids), key=lambda node: node.code)
    points = [index.leaf_geoms[k].representative_point() for k in range(len(index.leaf_ids))]
    point_of = {int(index.leaf_ids[k]): points[k] for k in range(len(points))}
    categories = sorted(ctx.categories.values(), key=lambda c: (c.position, c.code))
    route = [0] * (len(categories) * len(grids))
    for ci, cat in enumerate(categories):
        for gi, grid in enumerate(grids):
            unit = suggest_unit(ctx, index, category=cat, region_id=grid.id).unit
            route[ci * len(grids) + gi] = unit.id if unit else 0
    units = sorted(ctx.units.values(), key=lambda u: u.id)
    handlers = dict(User.objects.filter(role=Role.HANDLER).values_list("unit_id", "id"))
    handler_of = [handlers.get(uid, 0) for uid in range(1, max(u.id for u in units) + 1)]
    reporters = list(User.objects.filter(username__in=["inspector", "inspector2", "dispatcher"]).values_list(
        "id", flat=True))
    params = {
        "n": n, "t0": dt.datetime.now(dt.UTC) - dt.timedelta(days=365), "plan": ctx.plan.id,
        "ncat": len(categories), "ngrid": len(grids), "nunit": len(units), "nrep": len(reporters),
        "cat_ids": [c.id for c in categories], "grid_ids": [g.id for g in grids],
        "grid_lat": [round(point_of[g.id].y, 6) for g in grids],
        "grid_lng": [round(point_of[g.id].x, 6) for g in grids],
        "route": route, "any_unit": [u.id for u in units], "handler_of": handler_of, "reporters": reporters,
    }
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("SET work_mem = '64MB'")
        index_defs = [row[0] for row in conn.execute(
            """SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
               WHERE i.indrelid = 'problems_problem'::regclass
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""")]
        names = [row[0] for row in conn.execute(
            """SELECT i.indexrelid::regclass::text FROM pg_index i
               WHERE i.indrelid = 'problems_problem'::regclass
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""")]
        for name in names:
            conn.execute(f"DROP INDEX {name}")
        t0 = time.perf_counter()
        conn.execute(generation_sql(), params)
        print(f"  INSERT … SELECT of {n:,} problems: {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        conn.execute("UPDATE problems_problem SET merged_into_id = id - 1 WHERE status = 'merged' AND id > "
                     "(SELECT min(id) FROM problems_problem)")
        for ddl in index_defs:
            conn.execute(ddl)
        print(f"  {len(index_defs)} secondary indexes recreated: {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        conn.execute("VACUUM ANALYZE problems_problem")
        conn.execute("ANALYZE")
        conn.execute("CHECKPOINT")  # flush the load now, not while the requests are being timed
        print(f"  VACUUM ANALYZE: {time.perf_counter() - t0:.1f} s", flush=True)
    return time.perf_counter() - t_all


@dataclass
class Case:
    name: str
    user: str  # "dispatcher" or "handler"
    query: dict
    where: str  # the raw baseline's WHERE, with %(name)s parameters
    params: dict
    cursor_of: str | None = None  # take next_cursor from this case's first page


def cases(handler_unit: dict, town: dict, rare: dict, big_unit: dict, top_cat: dict,
          month: tuple[dt.date, dt.date]) -> list[Case]:
    tz = "Asia/Shanghai"
    d0, d1 = month
    return [
        Case("no filter", "dispatcher", {}, "TRUE", {}),
        Case("status=dispatched", "dispatcher", {"status": "dispatched"}, "p.status = 'dispatched'", {}),
        Case("unit=<busiest>", "dispatcher", {"unit": big_unit["code"]}, "p.unit_id = %(u)s", {"u": big_unit["id"]}),
        Case("category=<most used>", "dispatcher", {"category": top_cat["code"]}, "p.category_id = %(c)s",
             {"c": top_cat["id"]}),
        Case("region=<town>", "dispatcher", {"region": town["code"]}, "p.region_id = ANY(%(r)s)",
             {"r": town["ids"]}),
        Case("source=video", "dispatcher", {"source": "video"}, "p.source = 'video'", {}),
        Case("overdue=true", "dispatcher", {"overdue": "true"},
             "p.status IN ('dispatched', 'rework') AND p.due_at < now()", {}),
        Case("status=dispatched&unit", "dispatcher", {"status": "dispatched", "unit": big_unit["code"]},
             "p.status = 'dispatched' AND p.unit_id = %(u)s", {"u": big_unit["id"]}),
        Case("reported in one month", "dispatcher", {"reported_from": d0.isoformat(), "reported_to": d1.isoformat()},
             f"p.reported_at >= %(d0)s::date::timestamp AT TIME ZONE '{tz}' "
             f"AND p.reported_at < (%(d1)s::date + 1)::timestamp AT TIME ZONE '{tz}'", {"d0": d0, "d1": d1}),
        Case("no filter, page 2", "dispatcher", {}, CURSOR_WHERE, {}, cursor_of="no filter"),
        Case("status=dispatched, page 2", "dispatcher", {"status": "dispatched"},
             f"p.status = 'dispatched' AND {CURSOR_WHERE}", {}, cursor_of="status=dispatched"),
        Case("limit=200", "dispatcher", {"limit": "200"}, "TRUE", {"limit": 201}),
        Case("narrow: category+status=rework", "dispatcher", {"category": rare["code"], "status": "rework"},
             "p.category_id = %(c)s AND p.status = 'rework'", {"c": rare["id"]}),
        Case("narrow: region+drone+key", "dispatcher", {"region": town["code"], "source": "drone", "key": "true"},
             "p.region_id = ANY(%(r)s) AND p.source = 'drone' AND p.is_key", {"r": town["ids"]}),
        Case("handler: own problems", "handler", {},
             "(p.unit_id = %(h)s OR p.self_check_unit_id = %(h)s)", {"h": handler_unit["id"]}),
        Case("handler: status=dispatched", "handler", {"status": "dispatched"},
             "(p.unit_id = %(h)s OR p.self_check_unit_id = %(h)s) AND p.status = 'dispatched'",
             {"h": handler_unit["id"]}),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true",
                        help=f"keep {DB_NAME} if it already holds {N_ROWS:,} problems (skip regeneration)")
    parser.add_argument("--rows", type=int, default=N_ROWS, help="problems to generate (default 1,000,000)")
    parser.add_argument("--reps", type=int, default=40, help="timed requests per combination (default 40)")
    parser.add_argument("--admin-url", default=PG_ADMIN_URL, help="maintenance database URL")
    args = parser.parse_args(argv)
    t_start = time.perf_counter()
    url, t_gen = bench_database(DB_NAME, args.admin_url, reuse=args.reuse, expected=args.rows, what="problems",
                                count_sql="SELECT count(*) FROM problems_problem", generate=generate)

    import psycopg
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from renju.accounts.models import User, api_token_create
    from renju.plans.geo import region_index

    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as raw:
        total = raw.execute("SELECT count(*) FROM problems_problem").fetchone()[0]
        big = raw.execute("""SELECT u.id, u.code, count(*) FROM problems_problem p JOIN plans_unit u ON u.id = p.unit_id
                             GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1""").fetchone()
        handler_row = raw.execute(
            """SELECT u.id, u.code, count(*) FROM problems_problem p JOIN plans_unit u ON u.id = p.unit_id
               JOIN accounts_user h ON h.unit_id = u.id AND h.role = 'handler'
               GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1""").fetchone()
        cats = raw.execute("""SELECT c.id, c.code, count(*) FROM problems_problem p
                              JOIN plans_category c ON c.id = p.category_id GROUP BY 1, 2 ORDER BY 3 DESC""").fetchall()
        towns = raw.execute("""SELECT r.id, r.code FROM plans_region r WHERE r.kind IN ('town', 'street')
                               ORDER BY r.code""").fetchall()
        dist = raw.execute("SELECT status, count(*) FROM problems_problem GROUP BY 1 ORDER BY 2 DESC").fetchall()
        overdue = raw.execute("""SELECT count(*) FROM problems_problem
                                 WHERE status IN ('dispatched', 'rework') AND due_at < now()""").fetchone()[0]
        last = raw.execute("SELECT max(reported_at) FROM problems_problem").fetchone()[0]
    rng = random.Random(5)
    town_id, town_code = rng.choice(towns)
    town = {"code": town_code, "ids": region_index().descendant_ids(town_id)}
    big_unit = {"id": big[0], "code": big[1]}
    handler_unit = {"id": handler_row[0], "code": handler_row[1]}
    top_cat = {"id": cats[0][0], "code": cats[0][1]}
    rare = {"id": cats[len(cats) * 2 // 3][0], "code": cats[len(cats) * 2 // 3][1]}
    month_end = (last - dt.timedelta(days=90)).date()
    month = (month_end - dt.timedelta(days=30), month_end)
    print(f"{DB_NAME}: {total:,} problems; " + ", ".join(f"{s} {n:,}" for s, n in dist) + f"; overdue {overdue:,}")
    print(f"busiest unit {big_unit['code']} ({big[2]:,}), handler of {handler_unit['code']} ({handler_row[2]:,}), "
          f"category {top_cat['code']} ({cats[0][2]:,}), rare category {rare['code']}, town {town_code} "
          f"({len(town['ids'])} regions), month {month[0]} … {month[1]}")

    clients = {
        "dispatcher": Client(HTTP_AUTHORIZATION="Bearer " + api_token_create(
            user=User.objects.get(username="dispatcher"), name="bench")),
        "handler": Client(HTTP_AUTHORIZATION="Bearer " + api_token_create(
            user=User.objects.get(username=handler_unit["code"]), name="bench")),
    }
    all_cases = cases(handler_unit, town, rare, big_unit, top_cat, month)
    first_cursor: dict[str, str | None] = {}
    rows_out = []
    all_api: list[float] = []
    all_raw: list[float] = []
    worst = (0.0, "")
    ratios: list[float] = []
    query_counts: dict[str, int] = {}
    mismatches = 0
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as raw:
        for case in all_cases:
            query = dict(case.query)
            params = dict(case.params)
            if case.cursor_of:
                cursor = first_cursor.get(case.cursor_of)
                if cursor is None:
                    continue
                query["cursor"] = cursor
                params["cursor_at"], params["cursor_id"] = _decode(cursor)
            path = "/api/v1/problems" + ("?" + urlencode(query) if query else "")
            client = clients[case.user]
            for _ in range(3):
                response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} -> {response.status_code}: {response.content[:300]!r}")
            body = response.json()
            first_cursor[case.name] = body["next_cursor"]
            with CaptureQueriesContext(connection) as captured:
                client.get(path)
            query_counts[case.name] = len(captured.captured_queries)
            limit = params.pop("limit", LIMIT + 1)
            sql = (f"SELECT {LIST_COLUMNS} FROM {LIST_FROM} WHERE {case.where} "
                   f"ORDER BY p.reported_at DESC, p.id DESC LIMIT {limit}")
            raw_ids = [r[0] for r in raw.execute(sql, params).fetchall()][: limit - 1]
            api_ids = [item["id"] for item in body["items"]]
            mismatches += api_ids != raw_ids
            t_api, t_raw = [], []
            gc.collect()  # do not charge this combination with the previous one's garbage
            for _ in range(args.reps):  # alternate, so drift hits both sides alike
                t0 = time.perf_counter()
                response = client.get(path)
                response.json()
                t_api.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                raw.execute(sql, params).fetchall()
                t_raw.append(time.perf_counter() - t0)
            if limit == LIMIT + 1:  # the target is for 50-row pages; limit=200 only shows the query count
                all_api += t_api
                all_raw += t_raw
                worst = max(worst, (percentile(t_api, 95), case.name))
            ratios.append(median(t_api) / median(t_raw))
            rows_out.append([case.name, case.user, str(len(api_ids)), fmt_ms(median(t_api)),
                             fmt_ms(percentile(t_api, 95)), fmt_ms(median(t_raw)), fmt_ms(percentile(t_raw, 95)),
                             fmt_ratio(median(t_api) / median(t_raw)), str(query_counts[case.name])])
    print_table(f"GET /api/v1/problems over {total:,} problems, {args.reps} timed requests each (PostgreSQL)",
                rows_out, header=["filter", "as", "rows", "API p50", "API p95", "raw p50", "raw p95", "API/raw",
                                  "SQL/request"])
    distinct_counts = sorted(set(query_counts.values()))
    overall_p95 = percentile(all_api, 95)
    print(f"\nSQL queries per request: {distinct_counts} (by combination: "
          + ", ".join(f"{k} {v}" for k, v in query_counts.items()) + ")")
    print(f"id mismatches API vs raw: {mismatches} of {len(rows_out)} pages")
    print(f"50-row pages: API p50 {fmt_ms(median(all_api))}, p95 {fmt_ms(overall_p95)} over {len(all_api):,} requests;"
          f" raw p95 {fmt_ms(percentile(all_raw, 95))}; slowest combination {worst[1]} (p95 {fmt_ms(worst[0])})")
    print(f"total time {time.perf_counter() - t_start:.1f} s"
          + (f" (generation {t_gen:.1f} s)" if t_gen is not None else " (data reused)"))
    ratio_med = median(ratios)
    print_figures([
        Figure("list problems p95 (50-row pages)", fmt_ms(overall_p95),
               f"{fmt_ms(percentile(all_raw, 95))} (raw SQL p95)", fmt_ratio(overall_p95 / percentile(all_raw, 95)),
               "target <= 50 ms p95"),
        Figure("list problems p50 API/raw", fmt_ms(median(all_api)), "same page, one raw SQL query",
               fmt_ratio(ratio_med) + " median", "per-combination median ratio"),
        Figure("list problems SQL/request", "/".join(str(c) for c in distinct_counts), "independent of rows", "-",
               "constant per filter kind"),
        Figure("list problems mismatches", str(mismatches), "0 expected", "-", "must be 0"),
    ] + ([Figure("list problems generation", f"{t_gen:.0f} s", f"{args.rows:,} rows", "-", "keep under ~4 min")]
         if t_gen is not None else []))


# Keyset condition of the API's cursor (reported_at, id), as a row comparison.
CURSOR_WHERE = "(p.reported_at, p.id) < (%(cursor_at)s, %(cursor_id)s)"


def _decode(cursor: str) -> tuple[dt.datetime, int]:
    import base64

    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    at, last_id = raw.split("|", 1)
    return dt.datetime.fromisoformat(at), int(last_id)


if __name__ == "__main__":
    main()
