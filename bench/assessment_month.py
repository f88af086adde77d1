"""Assessing one month: `compute_month(plan, "2023-10")` over a year of 1,000,000 problems on PostgreSQL.

What is measured: `renju.assessment.runs.compute_month` for October 2023 (read the month's facts, replay every
relevant problem's event log, score, rank, staff indicators; nothing stored), in-process through Django, best of
`--reps` (default 3) after a warm-up run that is split by step (load facts, score, rank, staff); peak Python memory
of one more run under `tracemalloc`, and the process's `ru_maxrss`. Both sides run with `work_mem = 64MB` and
`jit = off` (`--work-mem`): on this server's defaults (4MB, JIT on) the engine's loader query is planned with a
plain, not hashed, `SubPlan` for its `OR id IN (…)` and scans ~250,000 ids for each of the 1,000,000 problems, so
one run on the defaults is tried first and cancelled after `--default-timeout` seconds (60); JIT costs the SQL
side ~6 s of compilation. `--profile` prints a cProfile of one more run.

Baseline, and why it is fair: ONE hand-written SQL statement (CTEs and window functions over
`problems_problemevent`) computing the same per-unit counts the engine computes for the month, on a plain psycopg
cursor, best of `--reps` after a warm-up, interleaved with the engine runs. It is the floor for "the month's
counts" on this database: the engine additionally builds the deduction lines, indicators, ranks and staff scores in
Python. The two are compared unit by unit (found, self_check, due, closed, on_time, rework, ledgered, overdue,
rework_events, relapse, repeat): any difference is printed as a table and the benchmark exits with status 1, so it
is also a correctness check of the engine at scale. The definitions, taken from renju/assessment/timeline.py and
scoring.py (where the brief's wording and the engine differ, the SQL follows the engine):

- owner: the unit of the last `dispatch` event before the cutoff, unless a `return` came after it (then nobody's
  yet, as in `replay`); found = found in the month, owned, not rejected or merged at the cutoff; self_check = found
  and `self_check_unit` is the owner (the plan's catch-all `found` rule matches every problem);
- deadline (`t.due`): the `due_at` snapshot of the last event from the last dispatch up to the first `rectify`,
  `ledger` or `return` after it; due / closed / on_time / rework / ledgered count by owner for problems whose
  deadline falls in the month (ledgered problems count only as ledgered); on time = closed at the cutoff with no
  overdue episode at all; rework = any failed verification before the cutoff;
- overdue episode: an event leaving the problem `dispatched` or `rework` whose `due_at` passed before the next event
  (or the cutoff), once per distinct deadline (the first such event), starting at greatest(due_at, event time),
  counted for the event's unit when it starts in the month;
- rework_events: failed verifications (`verify` to `rework`) in the month, by the event's unit;
- relapse / repeat: problems found in the month linked to an original, counted for the unit of the original's last
  dispatch before the cutoff;
- which problems: found in the month, or with an event before the cutoff whose deadline falls in the month (set at
  most `lookback_days` before it), or dispatched or verified in the month (the engine's own selection; the counts
  above cannot come from other problems in these data).

Data (generated once, kept in database `renju_bench_assess` for re-runs with `--reuse`; ~2 GB): the demo regions,
the Rongcheng 2023 plan with its 50 units and assessment rules, and the demo accounts through the app's loaders;
then 1,000,000 problems reported over 2023 (07:00–19:00 each day, ids in report order), each with its whole event
history written by SQL (not through the lifecycle: 20 hours), as of 2024-01-10 12:00 (so December's cutoff has
passed and the last days of December are still open). A staging table holds each problem's story (random draws,
times); problems and events are then inserted from it in two statements:

- report → reject (3.5%) | merge (1.5%) | accept → dispatch to the unit `suggest_unit` routes the (category, grid)
  to (a random unit where no rule routes), deadline 1 / 3 / 5 days for urgent / normal / major (calendar days, a
  simplification: the bench does not need the working calendar's exact deadlines, only snapshots that are
  consistent with the events);
- of the dispatched: 3.2% returned and re-dispatched to another unit (deadline anew), 0.3% returned and left
  there, 1.5% never rectified (open, overdue); the others rectified, 88% before the deadline and 12% up to 4 days
  late; verified 0.3–30 h later; 8% fail (rework, 1-day deadline; 5% of those never fixed again), rectified again
  (about a fifth late) and pass;
- every event stores the status, the unit and the deadline in force after it (as `_transition` does: a return
  keeps the returning unit and the old deadline on the event); `seq` is 1..n in time order; the problem's cached
  columns (status, unit, due_at, dispatched_at, rectified_at, closed_at, version) are those after its last event;
- 2% self-checks (reported by the unit's handler, `self_check_unit` = that unit), 10% covert visits, 4% key,
  severity 80 / 15 / 5% normal / major / urgent; ~0.3% relapses and ~0.3% repeats of an earlier problem closed
  before they were found; merged problems point at the problem before them.

Secondary indexes are dropped during the load and recreated from their own `pg_get_indexdef`, FK and append-only
triggers are skipped (`session_replication_role = replica`; the data is consistent by construction), then
`VACUUM ANALYZE` and `CHECKPOINT`.
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import gc
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc

from bench.common import PG_ADMIN_URL, Figure, bench_database, fmt_ratio, print_figures, print_table

DB_NAME = "renju_bench_assess"
N_ROWS = 1_000_000
DATA_VERSION = 1  # bump when the generated data change: a reused database of another version is regenerated
PERIOD = "2023-10"
TZ = dt.timezone(dt.timedelta(hours=8))
YEAR_START = dt.datetime(2023, 1, 1, 7, 0, tzinfo=TZ)  # reports run 07:00–19:00 each day of 2023
HORIZON = dt.datetime(2024, 1, 10, 12, 0, tzinfo=TZ)  # the data as of this moment: later events do not exist yet
COUNT_KEYS = ("found", "self_check", "due", "closed", "on_time", "rework", "ledgered", "overdue", "rework_events",
              "relapse", "repeat")
DESCRIPTIONS = ["路边暴露垃圾未清理", "绿化带内堆放杂物", "墙体乱贴乱画小广告", "道路破损坑洼积水", "沿街商户占道经营",
                "河道漂浮物较多", "建筑垃圾随意倾倒", "公厕保洁不到位"]
SOURCES = [("self_check", .02), ("inspection", .50), ("hotline", .70), ("video", .83), ("referral", .90),
           ("drone", 1.0)]
LIMIT_DAYS = {"normal": 3, "major": 5, "urgent": 1}


def _case(var: str, mix: list[tuple[str, float]]) -> str:
    whens = " ".join(f"WHEN {var} < {p} THEN '{s}'" for s, p in mix[:-1])
    return f"CASE {whens} ELSE '{mix[-1][0]}' END"


# ---------------------------------------------------------------------------------------------- data generation

STORY_SQL = f"""
CREATE UNLOGGED TABLE bench_story AS
WITH base AS (
    SELECT g, (g - 1)::float8 / %(n)s * 365 AS x,
           floor(%(ncat)s * power(random(), 2.5))::int AS ci,
           floor(%(ngrid)s * random())::int AS gi,
           random() AS rs, random() AS rsrc, random() AS rsev, random() AS rv, random() AS rk, random() AS rret,
           random() AS rstuck, random() AS rlate, random() AS rfail, random() AS r1, random() AS r2, random() AS r3,
           random() AS r4, random() AS r5, random() AS r6, random() AS r7, random() AS r8, random() AS r9,
           random() AS r10
    FROM generate_series(1, %(n)s) AS g
), drawn AS (
    SELECT b.*,
           %(year_start)s::timestamptz + floor(b.x) * interval '1 day' + (b.x - floor(b.x)) * interval '12 hours'
               AS reported_at,
           NULLIF((%(route)s::bigint[])[b.ci * %(ngrid)s + b.gi + 1], 0) AS routed,
           1 + floor(b.r8 * %(nunit)s)::int AS any_i,
           {_case('b.rsrc', SOURCES)} AS source,
           CASE WHEN b.rsev < 0.80 THEN 'normal' WHEN b.rsev < 0.95 THEN 'major' ELSE 'urgent' END AS severity,
           CASE WHEN b.rs < 0.035 THEN 'reject' WHEN b.rs < 0.05 THEN 'merge' ELSE 'dispatch' END AS kind
    FROM base b
), units AS (
    SELECT d.*,
           coalesce(d.routed, (%(units)s::bigint[])[d.any_i]) AS u1,
           CASE WHEN d.severity = 'urgent' THEN 1 WHEN d.severity = 'major' THEN 5 ELSE 3 END AS limit_days
    FROM drawn d
), unit2 AS (
    SELECT u.*,
           -- re-dispatched to another unit: the next one in the list after a random step (never the same)
           (%(units)s::bigint[])[1 + (array_position(%(units)s::bigint[], u.u1) + floor(u.r9 * (%(nunit)s - 1))::int)
                                 %% %(nunit)s] AS u2,
           u.reported_at + (0.2 + u.r1 * 4) * interval '1 hour' AS t_acc
    FROM units u
), timed AS (
    SELECT u.*,
           u.t_acc + (0.1 + u.r2 * 6) * interval '1 hour' AS d1,
           u.kind = 'dispatch' AND u.rret < 0.032 AS redispatch,
           u.kind = 'dispatch' AND u.rret >= 0.032 AND u.rret < 0.035 AS stuck_return,
           u.kind = 'dispatch' AND u.rret >= 0.035 AND u.rstuck < 0.015 AS stuck_dispatch,
           u.rlate < 0.12 AS late,
           u.rfail < 0.08 AS fail,
           u.rfail < 0.004 AS stuck_rework
    FROM unit2 u
), dispatched AS (
    SELECT t.*,
           t.d1 + t.limit_days * interval '1 day' AS due1,
           t.d1 + (0.5 + t.r3 * 20) * interval '1 hour' AS ret_at
    FROM timed t
), owned AS (
    SELECT d.*,
           d.ret_at + (0.2 + d.r4 * 8) * interval '1 hour' AS d2,
           d.ret_at + (0.2 + d.r4 * 8) * interval '1 hour' + d.limit_days * interval '1 day' AS due2
    FROM dispatched d
), rectified AS (
    SELECT o.*,
           CASE WHEN o.redispatch THEN o.u2 ELSE o.u1 END AS uo,
           CASE WHEN o.redispatch THEN o.due2 ELSE o.due1 END AS due_o,
           CASE WHEN o.late THEN (CASE WHEN o.redispatch THEN o.due2 ELSE o.due1 END)
                                 + (0.05 + o.r5 * 4) * interval '1 day'
                ELSE (CASE WHEN o.redispatch THEN o.d2 ELSE o.d1 END)
                     + (0.1 + 0.85 * o.r5) * o.limit_days * interval '1 day' END AS rect1
    FROM owned o
), verified AS (
    SELECT r.*, r.rect1 + (0.3 + r.r6 * 30) * interval '1 hour' AS ver1 FROM rectified r
)
SELECT v.g AS id, v.reported_at, v.reported_at - v.r6 * interval '2 hours' AS found_at, v.ci, v.gi, v.source,
       v.severity, v.limit_days, v.rv < 0.10 AS covert, v.rk < 0.04 AS is_key, v.kind, v.routed, v.u1, v.u2,
       v.uo, v.t_acc, v.d1, v.due1, v.ret_at, v.d2, v.due2, v.due_o, v.rect1, v.ver1, v.redispatch, v.stuck_return,
       v.stuck_dispatch, v.fail, v.stuck_rework,
       v.ver1 + interval '1 day' AS rdue,
       v.ver1 + (0.05 + v.r7 * 1.2) * interval '1 day' AS rect2,
       v.ver1 + (0.05 + v.r7 * 1.2) * interval '1 day' + (0.3 + v.r10 * 20) * interval '1 hour' AS ver2,
       CASE WHEN v.source = 'self_check' THEN (%(handler_of)s::bigint[])[v.u1]
            ELSE (%(reporters)s::bigint[])[1 + floor(v.r2 * %(nrep)s)::int] END AS reporter,
       CASE WHEN v.r9 < 0.003 AND v.g > 30000 THEN v.g - 5000 - floor(v.r10 * 20000)::int END AS relapse_of,
       CASE WHEN v.r9 >= 0.003 AND v.r9 < 0.006 AND v.g > 30000 THEN v.g - 1000 - floor(v.r10 * 8000)::int END
           AS repeat_of,
       v.r1 AS rdesc, v.r3 AS rpos
FROM verified v
"""


def _ev(action: str, at: str, status: str, unit: str, due: str, actor: str) -> str:
    return f"ROW('{action}', {at}, '{status}', {unit}, {due}, {actor})::bench_ev"


# Each problem's whole planned history as an array of events in time order; the events after the horizon are cut
# off where it is used (a suffix, so `seq` stays 1..n).
_D, _H = "%(dispatcher)s::bigint", "(%(handler_of)s::bigint[])"
EVENTS_EXPR = f"""(
    ARRAY[{_ev('report', 's.reported_at', 'reported', 'NULL::bigint', 'NULL::timestamptz', 's.reporter')}]
    || CASE s.kind
       WHEN 'reject' THEN ARRAY[{_ev('reject', 's.t_acc', 'rejected', 'NULL::bigint', 'NULL::timestamptz', _D)}]
       WHEN 'merge' THEN ARRAY[{_ev('merge', 's.t_acc', 'merged', 'NULL::bigint', 'NULL::timestamptz', _D)}]
       ELSE ARRAY[{_ev('accept', 's.t_acc', 'accepted', 'NULL::bigint', 'NULL::timestamptz', _D)},
                  {_ev('dispatch', 's.d1', 'dispatched', 's.u1', 's.due1', _D)}] END
    || CASE WHEN s.redispatch OR s.stuck_return
            THEN ARRAY[{_ev('return', 's.ret_at', 'returned', 's.u1', 's.due1', f'{_H}[s.u1]')}]
            ELSE '{{}}'::bench_ev[] END
    || CASE WHEN s.redispatch THEN ARRAY[{_ev('dispatch', 's.d2', 'dispatched', 's.u2', 's.due2', _D)}]
            ELSE '{{}}'::bench_ev[] END
    || CASE WHEN s.kind = 'dispatch' AND NOT s.stuck_return AND NOT s.stuck_dispatch
            THEN ARRAY[{_ev('rectify', 's.rect1', 'rectified', 's.uo', 's.due_o', f'{_H}[s.uo]')},
                       CASE WHEN s.fail
                            THEN {_ev('verify', 's.ver1', 'rework', 's.uo', 's.rdue', '%(inspector)s::bigint')}
                            ELSE {_ev('verify', 's.ver1', 'closed', 's.uo', 's.due_o', '%(inspector)s::bigint')}
                       END]
            ELSE '{{}}'::bench_ev[] END
    || CASE WHEN s.kind = 'dispatch' AND NOT s.stuck_return AND NOT s.stuck_dispatch AND s.fail
                 AND NOT s.stuck_rework
            THEN ARRAY[{_ev('rectify', 's.rect2', 'rectified', 's.uo', 's.rdue', f'{_H}[s.uo]')},
                       {_ev('verify', 's.ver2', 'closed', 's.uo', 's.rdue', '%(inspector2)s::bigint')}]
            ELSE '{{}}'::bench_ev[] END
)"""

# Each problem's history up to the horizon, built once: the planned events cut after the last one before it.
HISTORY_SQL = f"""
CREATE UNLOGGED TABLE bench_history AS
WITH planned AS MATERIALIZED (SELECT s.id, {EVENTS_EXPR} AS ev FROM bench_story s)
SELECT p.id, p.ev[1:(SELECT count(*)::int FROM unnest(p.ev) e WHERE e.at <= %(horizon)s)] AS ev FROM planned p
"""

PROBLEMS_SQL = """
INSERT INTO problems_problem (
    id, number, plan_id, category_id, check_item_id, description, lat, lng, address, region_id, road_class, source,
    visit, severity, is_key, status, reporter_id, self_check_unit_id, suggested_unit_id, unit_id, merged_into_id,
    relapse_of_id, repeat_of_id, found_at, reported_at, dispatched_at, due_at, rectified_at, closed_at, version,
    client_key, ledger_plan)
SELECT
    s.id,
    'RC-' || to_char(s.reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' || lpad(s.id::text, 7, '0'),
    %(plan)s, (%(cat_ids)s::bigint[])[s.ci + 1], NULL,
    (%(descriptions)s::text[])[1 + floor(s.rdesc * %(ndesc)s)::int],
    (%(grid_lat)s::float8[])[s.gi + 1] + (s.rpos - 0.5) * 1e-5,
    (%(grid_lng)s::float8[])[s.gi + 1] + (s.rdesc - 0.5) * 1e-5,
    '演示路' || (1 + floor(s.rpos * 300))::int || '号',
    (%(grid_ids)s::bigint[])[s.gi + 1], '', s.source,
    CASE WHEN s.covert THEN 'covert' ELSE 'open' END, s.severity, s.is_key,
    (h.ev[h.n]).to_status, s.reporter,
    CASE WHEN s.source = 'self_check' THEN s.u1 END,
    CASE WHEN s.source = 'self_check' THEN s.u1 ELSE s.routed END,
    (h.ev[h.n]).unit, NULL, s.relapse_of, s.repeat_of, s.found_at, s.reported_at,
    (SELECT max(e.at) FROM unnest(h.ev) e WHERE e.action = 'dispatch'),
    (h.ev[h.n]).due,
    (SELECT max(e.at) FROM unnest(h.ev) e WHERE e.action = 'rectify'),
    CASE WHEN (h.ev[h.n]).to_status = 'closed' THEN (h.ev[h.n]).at END,
    h.n, NULL, ''
FROM bench_story s JOIN (SELECT id, ev, cardinality(ev) AS n FROM bench_history) h USING (id)
ORDER BY s.id
"""

EVENTS_SQL = """
INSERT INTO problems_problemevent (problem_id, seq, action, actor_id, at, from_status, to_status, unit_id, due_at,
                                   details)
SELECT s.id, o.ord, o.action, o.actor, o.at, coalesce((h.ev[o.ord - 1]).to_status, ''), o.to_status, o.unit, o.due,
       CASE o.action
       WHEN 'dispatch' THEN jsonb_build_object('unit', (%(unit_codes)s::text[])[o.unit], 'due_at', o.due,
                                               'time_limit', s.limit_days || '天')
       WHEN 'return' THEN jsonb_build_object('reason', '不属于本单位职责', 'unit', (%(unit_codes)s::text[])[o.unit])
       WHEN 'verify' THEN jsonb_build_object('result', CASE WHEN o.to_status = 'closed' THEN 'pass' ELSE 'fail' END,
                                             'unit', (%(unit_codes)s::text[])[o.unit])
       WHEN 'rectify' THEN jsonb_build_object('note', '已整改', 'on_time', o.at <= o.due)
       WHEN 'reject' THEN jsonb_build_object('reason', '不属于整治范围')
       ELSE '{}'::jsonb END
FROM bench_story s JOIN bench_history h USING (id),
     unnest(h.ev) WITH ORDINALITY AS o(action, at, to_status, unit, due, actor, ord)
ORDER BY s.id, o.ord
"""

# A relapse or repeat is only a link to an earlier problem already closed when the new one was found.
LINKS_SQL = [
    f"""UPDATE problems_problem p SET {col} = NULL WHERE p.{col} IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM problems_problem o
            WHERE o.id = p.{col} AND o.status = 'closed' AND o.closed_at < p.found_at)"""
    for col in ("relapse_of_id", "repeat_of_id")
] + ["UPDATE problems_problem SET merged_into_id = id - 1 WHERE status = 'merged' AND id > 1"]


def _index_defs(conn, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's indexes that back no constraint: dropped for the load, recreated after."""
    return [tuple(row) for row in conn.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
           WHERE i.indrelid = %s::regclass
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""", (table,))]


def generate(url: str, n: int) -> float:
    """Create, migrate, load reference data and generate n problems with their events; returns the seconds."""
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
    units = sorted((u for u in ctx.units.values() if u.active), key=lambda u: u.id)
    top = max(u.id for u in units)
    handlers = dict(User.objects.filter(role=Role.HANDLER).values_list("unit_id", "id"))
    users = dict(User.objects.values_list("username", "id"))
    codes = {u.id: u.code for u in units}
    params = {
        "n": n, "year_start": YEAR_START, "horizon": HORIZON, "plan": ctx.plan.id,
        "ncat": len(categories), "ngrid": len(grids), "nunit": len(units),
        "cat_ids": [c.id for c in categories], "grid_ids": [g.id for g in grids],
        "grid_lat": [round(point_of[g.id].y, 6) for g in grids],
        "grid_lng": [round(point_of[g.id].x, 6) for g in grids],
        "route": route, "units": [u.id for u in units],
        "handler_of": [handlers.get(uid, users["dispatcher"]) for uid in range(1, top + 1)],
        "unit_codes": [codes.get(uid, "") for uid in range(1, top + 1)],
        "reporters": [users["inspector"], users["inspector2"], users["dispatcher"]], "nrep": 3,
        "dispatcher": users["dispatcher"], "inspector": users["inspector"], "inspector2": users["inspector2"],
        "descriptions": DESCRIPTIONS, "ndesc": len(DESCRIPTIONS),
    }
    routed_units = len({u for u in route if u})
    print(f"  {len(categories)} categories x {len(grids)} grids routed to {routed_units} of {len(units)} units "
          f"(the others get problems by a random pick where no rule routes)", flush=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("SET work_mem = '64MB'")
        conn.execute("DROP TABLE IF EXISTS bench_story, bench_history")
        conn.execute("DROP TYPE IF EXISTS bench_ev")
        conn.execute("CREATE TYPE bench_ev AS (action text, at timestamptz, to_status text, unit bigint, "
                     "due timestamptz, actor bigint)")
        dropped = {}
        for table in ("problems_problem", "problems_problemevent"):
            dropped[table] = _index_defs(conn, table)
            for name, _ddl in dropped[table]:
                conn.execute(f"DROP INDEX {name}")
        for label, sql in (("stories", STORY_SQL), ("histories", HISTORY_SQL), ("problems", PROBLEMS_SQL),
                           ("events", EVENTS_SQL)):
            t0 = time.perf_counter()
            conn.execute(sql, params)
            print(f"  INSERT … SELECT of the {label}: {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        conn.execute("SELECT setval(pg_get_serial_sequence('problems_problem', 'id'), "
                     "(SELECT max(id) FROM problems_problem))")
        for defs in dropped.values():
            for _name, ddl in defs:
                conn.execute(ddl)
        for sql in LINKS_SQL:
            conn.execute(sql)
        conn.execute("DROP TABLE bench_story, bench_history")
        conn.execute("DROP TYPE bench_ev")
        print(f"  links, {sum(len(d) for d in dropped.values())} secondary indexes recreated: "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        conn.execute("VACUUM ANALYZE problems_problem")
        conn.execute("VACUUM ANALYZE problems_problemevent")
        conn.execute("ANALYZE")
        conn.execute("CREATE TABLE bench_assess_done (version int, problems int)")
        conn.execute("INSERT INTO bench_assess_done VALUES (%s, %s)", (DATA_VERSION, n))
        conn.execute("CHECKPOINT")  # flush the load now, not while the runs are being timed
        print(f"  VACUUM ANALYZE: {time.perf_counter() - t0:.1f} s", flush=True)
    return time.perf_counter() - t_all


# ---------------------------------------------------------------------------------------------- the SQL baseline

BASELINE_SQL = """
WITH rel AS (   -- the problems the month can count (see the module docstring)
    SELECT f.id AS problem_id FROM problems_problem f WHERE f.found_at >= %(start)s AND f.found_at < %(end)s
    UNION
    SELECT e.problem_id FROM problems_problemevent e
    WHERE e.due_at >= %(start)s AND e.due_at < %(end)s AND e.at >= %(since)s AND e.at < %(cutoff)s
    UNION
    SELECT e.problem_id FROM problems_problemevent e
    WHERE e.action IN ('dispatch', 'verify') AND e.at >= %(start)s AND e.at < %(end)s
), ev AS MATERIALIZED (  -- their events before the cutoff (by the problem index), in one window pass per problem
    SELECT e.problem_id, e.seq, e.action, e.at, e.to_status, e.unit_id, e.due_at,
           -- on the unit's clock and the deadline passed before the next event (or the cutoff)
           e.to_status IN ('dispatched', 'rework')
               AND e.due_at < coalesce(lead(e.at) OVER w, %(cutoff)s) AS late,
           max(e.seq) FILTER (WHERE e.action = 'dispatch') OVER p AS last_dispatch,
           max(e.seq) OVER p AS last_seq,
           -- events ending a deadline's first round so far: the round after the last dispatch is the events from
           -- it with the same count (the ending event itself counts, so it is not in the round)
           count(*) FILTER (WHERE e.action IN ('rectify', 'ledger', 'return')) OVER w AS ends
    FROM rel CROSS JOIN LATERAL (
        -- OFFSET 0 keeps this a per-problem index lookup (flattened, it becomes a merge join over the whole log)
        SELECT x.* FROM problems_problemevent x
        WHERE x.problem_id = rel.problem_id AND x.at < %(cutoff)s
          AND EXISTS (SELECT 1 FROM problems_problem p WHERE p.id = rel.problem_id AND p.plan_id = %(plan)s)
        OFFSET 0) e
    WINDOW p AS (PARTITION BY e.problem_id), w AS (PARTITION BY e.problem_id ORDER BY e.seq)
), per_problem AS (
    SELECT ev.problem_id,
           max(ev.to_status) FILTER (WHERE ev.seq = ev.last_seq) AS status,
           CASE WHEN NOT bool_or(ev.action = 'return' AND ev.seq > ev.last_dispatch)
                THEN max(ev.unit_id) FILTER (WHERE ev.seq = ev.last_dispatch) END AS owner,
           (array_agg(ev.due_at ORDER BY ev.ends, ev.seq DESC) FILTER (WHERE ev.seq >= ev.last_dispatch))[1] AS due,
           bool_or(ev.action = 'ledger') AS ledgered,
           bool_or(ev.action = 'verify' AND ev.to_status = 'rework') AS reworked,
           bool_or(ev.late) AS ever_late
    FROM ev GROUP BY ev.problem_id
), prob AS (
    SELECT pp.*, p.self_check_unit_id, p.relapse_of_id, p.repeat_of_id,
           p.found_at >= %(start)s AND p.found_at < %(end)s AS found_in_month
    FROM per_problem pp JOIN problems_problem p ON p.id = pp.problem_id
), found AS (
    SELECT owner AS unit_id, count(*) AS found, count(*) FILTER (WHERE self_check_unit_id = owner) AS self_check
    FROM prob WHERE found_in_month AND status NOT IN ('rejected', 'merged')
    GROUP BY owner
), due AS (
    SELECT owner AS unit_id,
           count(*) FILTER (WHERE NOT ledgered) AS due,
           count(*) FILTER (WHERE NOT ledgered AND status = 'closed') AS closed,
           count(*) FILTER (WHERE NOT ledgered AND status = 'closed' AND NOT ever_late) AS on_time,
           count(*) FILTER (WHERE NOT ledgered AND reworked) AS rework,
           count(*) FILTER (WHERE ledgered) AS ledgered
    FROM prob WHERE due >= %(start)s AND due < %(end)s
    GROUP BY owner
), episodes AS ( -- one overdue episode per distinct deadline: the first event that let it pass
    SELECT DISTINCT ON (ev.problem_id, ev.due_at) ev.unit_id, greatest(ev.due_at, ev.at) AS start
    FROM ev WHERE ev.late
    ORDER BY ev.problem_id, ev.due_at, ev.seq
), overdue AS (
    SELECT unit_id, count(*) AS overdue FROM episodes
    WHERE start >= %(start)s AND start < %(end)s GROUP BY unit_id
), reworks AS (
    SELECT ev.unit_id, count(*) AS rework_events FROM ev
    WHERE ev.action = 'verify' AND ev.to_status = 'rework' AND ev.at >= %(start)s AND ev.at < %(end)s
    GROUP BY ev.unit_id
), again AS (    -- relapses and repeats found in the month, against the owner of the original
    SELECT o.unit_id, count(*) FILTER (WHERE a.kind = 'relapse') AS relapse,
           count(*) FILTER (WHERE a.kind = 'repeat') AS repeat
    FROM (SELECT 'relapse' AS kind, relapse_of_id AS original FROM prob
           WHERE found_in_month AND relapse_of_id IS NOT NULL
          UNION ALL
          SELECT 'repeat', repeat_of_id FROM prob WHERE found_in_month AND repeat_of_id IS NOT NULL) a
    CROSS JOIN LATERAL (
        SELECT d.unit_id FROM problems_problemevent d
        WHERE d.problem_id = a.original AND d.action = 'dispatch' AND d.at < %(cutoff)s
        ORDER BY d.seq DESC LIMIT 1) o
    GROUP BY o.unit_id
)
SELECT u.id, coalesce(f.found, 0), coalesce(f.self_check, 0), coalesce(d.due, 0), coalesce(d.closed, 0),
       coalesce(d.on_time, 0), coalesce(d.rework, 0), coalesce(d.ledgered, 0), coalesce(o.overdue, 0),
       coalesce(r.rework_events, 0), coalesce(a.relapse, 0), coalesce(a.repeat, 0)
FROM plans_unit u
LEFT JOIN found f ON f.unit_id = u.id
LEFT JOIN due d ON d.unit_id = u.id
LEFT JOIN overdue o ON o.unit_id = u.id
LEFT JOIN reworks r ON r.unit_id = u.id
LEFT JOIN again a ON a.unit_id = u.id
WHERE u.plan_id = %(plan)s AND u.active
ORDER BY u.id
"""


def baseline_counts(raw, params: dict) -> dict[int, dict[str, int]]:
    rows = raw.execute(BASELINE_SQL, params).fetchall()
    return {row[0]: dict(zip(COUNT_KEYS, row[1:], strict=True)) for row in rows}


def engine_counts(result) -> dict[int, dict[str, int]]:
    return {u.unit_id: {k: u.counts[k] for k in COUNT_KEYS} for u in result.units}


def compare(engine: dict, sql: dict, codes: dict[int, str], period: str) -> int:
    """Print the units whose counts differ; return how many (unit, count) pairs differ."""
    rows = []
    for uid in sorted(set(engine) | set(sql)):
        e, s = engine.get(uid, {}), sql.get(uid, {})
        for k in COUNT_KEYS:
            if e.get(k) != s.get(k):
                rows.append([codes.get(uid, str(uid)), k, str(e.get(k)), str(s.get(k))])
    if rows:
        print_table(f"MISMATCHES {period}: engine vs SQL ({len(rows)})", rows[:200],
                    header=["unit", "count", "engine", "SQL"])
    return len(rows)


def _totals(counts: dict[int, dict[str, int]]) -> dict[str, int]:
    return {k: sum(c[k] for c in counts.values()) for k in COUNT_KEYS}


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _engine_session(sql: str) -> None:
    """Run a SET / RESET on the engine's (Django's) connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)


def as_shipped(plan, period: str, timeout_s: int) -> float | None:
    """One compute_month on the server's default settings, cancelled after `timeout_s`; None when cancelled."""
    from django.db import OperationalError

    from renju.assessment.runs import compute_month

    _engine_session(f"SET statement_timeout = '{timeout_s}s'")
    t0 = time.perf_counter()
    try:
        compute_month(plan, period)
        return time.perf_counter() - t0
    except OperationalError as exc:  # QueryCanceled: the statement ran past the timeout
        print(f"  cancelled after {time.perf_counter() - t0:.0f} s: {str(exc).splitlines()[0]}")
        return None
    finally:
        _engine_session("RESET statement_timeout")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true",
                        help=f"keep {DB_NAME} if it already holds {N_ROWS:,} problems of this data version")
    parser.add_argument("--rows", type=int, default=N_ROWS, help="problems to generate (default 1,000,000)")
    parser.add_argument("--database", default=DB_NAME, help=f"database name (default {DB_NAME})")
    parser.add_argument("--period", default=PERIOD, help=f"the month timed (default {PERIOD})")
    parser.add_argument("--check", default="2023-12",
                        help="further months whose counts are only compared, not timed (comma-separated)")
    parser.add_argument("--reps", type=int, default=3, help="timed runs of each side after a warm-up (default 3)")
    parser.add_argument("--work-mem", default="64MB",
                        help="work_mem for both sides' timed runs (default 64MB; the server default is 4MB); "
                             "both also run with jit = off")
    parser.add_argument("--default-timeout", type=int, default=60,
                        help="seconds allowed to one compute_month on the server's default work_mem before it is "
                             "cancelled (default 60; 0 skips that run)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one compute_month (not timed)")
    parser.add_argument("--admin-url", default=PG_ADMIN_URL, help="maintenance database URL")
    args = parser.parse_args(argv)
    if not args.database.startswith("renju_bench"):
        raise SystemExit("the database name must start with renju_bench (it is dropped and recreated)")
    if "RENJU_VAR_DIR" not in os.environ:  # nothing is written there; keep the checkout's var/ out of it anyway
        os.environ["RENJU_VAR_DIR"] = tempfile.mkdtemp(prefix="renju-bench-assess-")
        atexit.register(shutil.rmtree, os.environ["RENJU_VAR_DIR"], ignore_errors=True)
    t_start = time.perf_counter()
    url, t_gen = bench_database(
        args.database, args.admin_url, reuse=args.reuse, expected=args.rows, what="problems", generate=generate,
        count_sql=f"SELECT coalesce((SELECT problems FROM bench_assess_done WHERE version = {DATA_VERSION}), -1)")

    import psycopg

    from renju.assessment.loader import month_facts, parse_month, rules_of
    from renju.assessment.ranking import rank
    from renju.assessment.runs import bottom_history, compute_month
    from renju.assessment.scoring import assess
    from renju.assessment.staff import assess_staff
    from renju.plans.active import active_plan
    from renju.plans.worktime import WorkingCalendar

    plan = active_plan().plan
    rules = rules_of(plan)
    codes = {u.id: u.code for u in active_plan().units.values()}

    def params_for(period: str) -> dict:
        month = parse_month(period, plan)
        return {"plan": plan.id, "start": month.start, "end": month.end, "cutoff": month.cutoff,
                "since": month.start - dt.timedelta(days=rules.lookback_days)}

    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as raw:
        total = raw.execute("SELECT count(*) FROM problems_problem").fetchone()[0]
        events = raw.execute("SELECT count(*) FROM problems_problemevent").fetchone()[0]
        dist = raw.execute("SELECT status, count(*) FROM problems_problem GROUP BY 1 ORDER BY 2 DESC").fetchall()
        actions = raw.execute("SELECT action, count(*) FROM problems_problemevent GROUP BY 1 ORDER BY 2 DESC"
                              ).fetchall()
        n_units = raw.execute("SELECT count(DISTINCT unit_id) FROM problems_problemevent WHERE action = 'dispatch'"
                              ).fetchone()[0]
        default_work_mem = raw.execute("SHOW work_mem").fetchone()[0]
    print(f"{args.database}: {total:,} problems, {events:,} events ({events / total:.2f} a problem), "
          f"dispatched to {n_units} units; load average {os.getloadavg()[0]:.1f}")
    print("  status: " + ", ".join(f"{s} {c:,}" for s, c in dist))
    print("  events: " + ", ".join(f"{a} {c:,}" for a, c in actions))
    month = parse_month(args.period, plan)
    p = params_for(args.period)

    # The engine as shipped, on the server's own settings: the loader's `OR id IN (subquery)` is planned as a plain
    # (not hashed) SubPlan when the subquery's ids do not fit in work_mem, i.e. a scan of ~250,000 ids per problem.
    t_default = None
    if args.default_timeout:
        print(f"\ncompute_month({args.period}) on the server's work_mem ({default_work_mem}), "
              f"at most {args.default_timeout} s:")
        t_default = as_shipped(plan, args.period, args.default_timeout)
        if t_default is not None:
            print(f"  {t_default:.2f} s")

    # Everything below on both sides with the same work_mem.
    session = f"SET work_mem = '{args.work_mem}'; SET jit = off"
    _engine_session(session)
    print(f"\n{args.period}: {month.start:%Y-%m-%d} … {month.end:%Y-%m-%d}, cutoff {month.cutoff:%Y-%m-%d %H:%M}; "
          f"both sides with work_mem {args.work_mem} and jit off")

    # The warm-up run, split by step to show where the engine's time goes (the calls compute_month makes).
    gc.collect()
    steps = [time.perf_counter()]
    facts = month_facts(plan, month)
    steps.append(time.perf_counter())
    split_result = assess(facts, rules)
    steps.append(time.perf_counter())
    rank(split_result, rules, bottom_history(plan, args.period, rules.ranking.escalate_months - 1))
    steps.append(time.perf_counter())
    assess_staff(facts, rules, WorkingCalendar.from_plan_json(plan.working_calendar))
    steps.append(time.perf_counter())
    n_read = len(facts.problems)
    n_events = sum(len(x.events) for x in facts.problems.values())
    del facts, split_result
    load_s, score_s, rank_s, staff_s = (b - a for a, b in zip(steps, steps[1:], strict=False))
    print(f"warm-up by step: load facts {load_s:.2f} s ({n_read:,} problems, {n_events:,} events), "
          f"score {score_s:.2f} s, rank {rank_s:.3f} s, staff {staff_s:.2f} s", flush=True)

    # Then the SQL's warm-up, and interleaved timed runs so drift hits both alike.
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as raw:
        raw.execute(session)
        sql = baseline_counts(raw, p)
        t_engine, t_sql = [], []
        for _ in range(args.reps):
            gc.collect()
            t0 = time.perf_counter()
            result = compute_month(plan, args.period)
            t_engine.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            sql = baseline_counts(raw, p)
            t_sql.append(time.perf_counter() - t0)
        engine = engine_counts(result)
        mismatches = compare(engine, sql, codes, args.period)
        totals_e, totals_s = _totals(engine), _totals(sql)
        print_table(f"{args.period}, all units together", [[k, f"{totals_e[k]:,}", f"{totals_s[k]:,}"]
                                                          for k in COUNT_KEYS], header=["count", "engine", "SQL"])
        checked = [args.period]
        for period in [x.strip() for x in args.check.split(",") if x.strip()]:
            other = compare(engine_counts(compute_month(plan, period)), baseline_counts(raw, params_for(period)),
                            codes, period)
            mismatches += other
            checked.append(period)
            print(f"{period}: {other} mismatches")

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(compute_month, plan, args.period)
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(20)

    # Peak Python memory of one run (tracemalloc slows Python down, so this run is not timed).
    gc.collect()
    rss_before = _maxrss_mb()
    tracemalloc.start()
    compute_month(plan, args.period)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = _maxrss_mb()

    best_e, best_s = min(t_engine), min(t_sql)
    ratio = best_e / best_s
    print_table(f"compute_month({args.period}) over {total:,} problems (PostgreSQL), best of {args.reps}",
                [["engine compute_month", f"{best_e:.2f} s", " / ".join(f"{x:.2f}" for x in t_engine)],
                 ["one SQL statement (same counts)", f"{best_s:.2f} s", " / ".join(f"{x:.2f}" for x in t_sql)],
                 ["ratio engine / SQL", fmt_ratio(ratio), "target <= 3x"]],
                header=["", "best", "runs (s)"])
    shipped = (f"{t_default:.2f} s" if t_default is not None
               else f"> {args.default_timeout} s (cancelled)" if args.default_timeout else "not run")
    print(f"compute_month on the server's default work_mem ({default_work_mem}): {shipped}")
    print(f"problems in the database {total:,}; read for the month {n_read:,} problems, {n_events:,} events")
    print(f"peak Python memory (tracemalloc) {peak / 2**20:.0f} MB; ru_maxrss {rss:.0f} MB "
          f"(before the traced run {rss_before:.0f} MB)")
    print(f"count mismatches engine vs SQL: {mismatches} (months {', '.join(checked)})")
    print(f"total time {time.perf_counter() - t_start:.1f} s"
          + (f" (generation {t_gen:.1f} s)" if t_gen is not None else " (data reused)"))
    print_figures([
        Figure(f"assess month {args.period}", f"{best_e:.2f} s", f"{best_s:.2f} s (one SQL statement)",
               fmt_ratio(ratio), "target <= 3x"),
        Figure(f"assess month, work_mem {default_work_mem}", shipped, f"{best_e:.2f} s at work_mem {args.work_mem}",
               fmt_ratio(t_default / best_e) if t_default else "-", "server default settings"),
        Figure("assess month peak memory", f"{peak / 2**20:.0f} MB traced", f"ru_maxrss {rss:.0f} MB", "-",
               f"{n_read:,} problems, {n_events:,} events read"),
        Figure("assess month count mismatches", str(mismatches), "0 expected", "-", "must be 0"),
    ] + ([Figure("assess month generation", f"{t_gen:.0f} s", f"{args.rows:,} problems + events", "-", "")]
         if t_gen is not None else []))
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
