"""Duplicate-photo lookup: which stored photos (of other problems) lie within 8 bits of a perceptual hash, among
1,000,000 stored hashes on PostgreSQL.

What is measured: `renju.problems.phash_index.phash_lookup(value, max_distance=8, exclude_problem_id=…)` — the call
`lifecycle.problem_rectify` makes for every after-photo — in-process through Django's connection: multi-index
hashing over the four 16-bit bands (each 16-bit value within 2 bits of the query's band, 137 per band, UNION ALL of
four index-only scans on `(band, problem, phash)`, the full 64-bit distance checked by PostgreSQL's `bit_count`),
then the matched photos and problem numbers. Per lookup p50/p95 over `--lookups` (default 1,000) random query
hashes (almost never a match, the common case) and over the planted queries below (a match each, so two queries).
SQL queries per lookup are counted with `CaptureQueriesContext` on extra calls (1 without a match, 2 with).

Recall: 100 planted near-duplicates at each distance 0..11 (a stored hash = a random query hash with that many
random bits flipped, on its own problem). Distances 0..8 must all be found (the pigeonhole guarantee makes the
method exact up to 11 bits per 4 bands x 2 bits, so this checks the implementation, not luck); 9..11 must not be
returned with max_distance=8. The same is measured for the cheaper variant with 1 bit per band (17 values per
band): exact up to 7, and at 8 it misses the pairs whose 8 bits fall 2-2-2-2 over the bands (~5 % of random ones).

Baselines, same run: (1) a full scan in SQL — `SELECT problem_id, phash FROM problems_photo WHERE problem_id <> %s
AND bit_count((phash # %s)::bit(64)) <= 8` over all rows (a sequential scan; the floor for any SQL without an
index), `--scans` times (default 30), interleaved with lookups of the same hashes whose results are compared
(mismatches must be 0); (2) for reference, the same scan over all hashes held in memory as a numpy uint64 array
(XOR + `bitwise_count`): what an in-memory structure would cost per lookup if every web process kept all hashes.

Data (generated once, kept in database `renju_bench_phash` for re-runs with `--reuse`): migrate, the demo regions,
the plan and the demo accounts through the app's loaders, one problem filed through `lifecycle.problem_report` and
copied to 100,000 problems by `INSERT … SELECT … generate_series`, then 1,000,000 photo rows (999,800-odd random
64-bit hashes from `setseed` + `random()`, two 32-bit halves, with their bands; plus the planted ones) spread over
those problems. Secondary indexes are dropped during the load and recreated, then `VACUUM ANALYZE` (which also
sets the visibility map that index-only scans need) and `CHECKPOINT`.
"""

from __future__ import annotations

import argparse
import gc
import random
import time

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

DB_NAME = "renju_bench_phash"
N_HASHES = 1_000_000
N_PROBLEMS = 100_000
MAX_DISTANCE = 8
PLANTED_DISTANCES = range(0, 12)
PLANTED_PER_DISTANCE = 100
SEED = 20240520


def planted(seed: int = SEED) -> list[tuple[int, int, int]]:
    """(query hash, stored hash, distance) for every planted near-duplicate, unsigned, deterministic from the seed."""
    rng = random.Random(seed)
    out = []
    for distance in PLANTED_DISTANCES:
        for _ in range(PLANTED_PER_DISTANCE):
            query = rng.getrandbits(64)
            stored = query
            for bit in rng.sample(range(64), distance):
                stored ^= 1 << bit
            out.append((query, stored, distance))
    return out


PHOTO_SQL = """
INSERT INTO problems_photo (problem_id, event_id, kind, original, thumbnail, filename, content_type, size, sha256,
                            width, height, exif, taken_at, exif_lat, exif_lng, uploaded_by_id, uploaded_at,
                            phash, phash_b0, phash_b1, phash_b2, phash_b3, flags)
SELECT %(first_problem)s + (h.g %% %(nproblems)s), NULL, 'after', 'photos/original/bench.jpg', 'photos/thumb/bench.jpg',
       'bench.jpg', 'image/jpeg', 100000, md5(h.g::text) || md5(h.g::text), 640, 480, '{}', NULL, NULL, NULL,
       %(user)s, now(), (h.hi << 32) | h.lo, h.hi >> 16, h.hi & 65535, h.lo >> 16, h.lo & 65535, '[]'
FROM (SELECT g, floor(random() * 4294967296)::bigint AS hi, floor(random() * 4294967296)::bigint AS lo
      FROM generate_series(1, %(n)s) AS g) AS h
"""


def generate(url: str, n: int) -> float:
    """Create, migrate, load reference data, copy one problem to N_PROBLEMS and store n hashes; seconds taken."""
    import psycopg
    from django.core.management import call_command

    from bench.refdata import load_reference_data
    from renju.accounts.models import User
    from renju.plans.geo import region_index
    from renju.problems import lifecycle
    from renju.problems.models import Problem
    from renju.problems.phash_index import phash_columns

    t_all = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    load_reference_data([])
    index = region_index()
    point = index.leaf_geoms[0].representative_point()
    inspector = User.objects.get(username="inspector")
    template = lifecycle.problem_report(actor=inspector, category="06010", lat=point.y, lng=point.x,
                                        description="基准测试问题", source="inspection")
    columns = [f.column for f in Problem._meta.concrete_fields if f.column != "id"]
    select = ", ".join("p.number || '-' || g" if c == "number" else f"p.{c}" for c in columns)
    planted_rows = planted()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        t0 = time.perf_counter()
        conn.execute(f"INSERT INTO problems_problem ({', '.join(columns)}) SELECT {select} "
                     f"FROM problems_problem p, generate_series(1, %s) AS g WHERE p.id = %s ORDER BY g",
                     (N_PROBLEMS - 1, template.id))
        first = conn.execute("SELECT min(id) FROM problems_problem").fetchone()[0]
        count = conn.execute("SELECT count(*) FROM problems_problem").fetchone()[0]
        print(f"  {count:,} problems: {time.perf_counter() - t0:.1f} s", flush=True)
        index_sql = """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
                       WHERE i.indrelid = 'problems_photo'::regclass
                         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"""
        indexes = conn.execute(index_sql).fetchall()
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
        t0 = time.perf_counter()
        conn.execute("SELECT setseed(0.4242)")
        conn.execute(PHOTO_SQL, {"first_problem": first, "nproblems": count, "n": n - len(planted_rows),
                                 "user": inspector.id})
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO problems_photo (problem_id, kind, original, thumbnail, filename, content_type, size, "
                "sha256, width, height, exif, uploaded_by_id, uploaded_at, phash, phash_b0, phash_b1, phash_b2, "
                "phash_b3, flags) VALUES (%s, 'after', 'p.jpg', 't.jpg', 'planted.jpg', 'image/jpeg', 1, '', 1, 1, "
                "'{}', %s, now(), %s, %s, %s, %s, %s, '[]')",
                [(first + i, inspector.id, *phash_columns(stored).values())
                 for i, (_, stored, _) in enumerate(planted_rows)])
        print(f"  INSERT … SELECT of {n:,} photo hashes: {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        for _, ddl in indexes:
            conn.execute(ddl)
        conn.execute("VACUUM ANALYZE problems_photo")
        conn.execute("VACUUM ANALYZE problems_problem")
        conn.execute("CHECKPOINT")
        print(f"  {len(indexes)} indexes recreated, VACUUM ANALYZE: {time.perf_counter() - t0:.1f} s", flush=True)
    return time.perf_counter() - t_all


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true",
                        help=f"keep {DB_NAME} if it already holds {N_HASHES:,} photo hashes (skip regeneration)")
    parser.add_argument("--hashes", type=int, default=N_HASHES, help="stored hashes (default 1,000,000)")
    parser.add_argument("--lookups", type=int, default=1000, help="timed lookups of random hashes (default 1,000)")
    parser.add_argument("--scans", type=int, default=30, help="timed full scans, the baseline (default 30)")
    parser.add_argument("--admin-url", default=PG_ADMIN_URL, help="maintenance database URL")
    args = parser.parse_args(argv)
    t_start = time.perf_counter()
    url, t_gen = bench_database(DB_NAME, args.admin_url, reuse=args.reuse, expected=args.hashes,
                                what="photo hashes", generate=generate,
                                count_sql="SELECT count(*) FROM problems_photo WHERE phash IS NOT NULL")

    import numpy as np
    import psycopg
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from renju.problems.phash_index import exact_up_to, phash_candidates, phash_lookup, to_signed

    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as raw:
        total, first, last = raw.execute("SELECT count(*), min(problem_id), max(problem_id) FROM problems_photo "
                                         "WHERE phash IS NOT NULL").fetchone()
        size = raw.execute("SELECT pg_size_pretty(pg_indexes_size('problems_photo')), "
                           "pg_size_pretty(pg_relation_size('problems_photo')), "
                           "pg_size_pretty(pg_relation_size('photo_phash_b0'))").fetchone()
        stored = np.array([row[0] for row in raw.execute("SELECT phash FROM problems_photo")], dtype=np.int64)
    stored = stored.view(np.uint64)
    print(f"{DB_NAME}: {total:,} photo hashes over problems {first}…{last}; table {size[1]}, all its indexes "
          f"{size[0]}, one band index {size[2]}")
    exclude = last  # any problem: a lookup always leaves out the problem asking
    rng = random.Random(7)
    randoms = [rng.getrandbits(64) for _ in range(args.lookups)]
    plants = planted()

    def lookup(value: int, radius: int | None = None):
        return phash_lookup(value, max_distance=MAX_DISTANCE, exclude_problem_id=exclude, band_radius=radius)

    for value in randoms[:50]:  # warm the plan cache and the index pages
        lookup(value)
        lookup(value, 1)
    queries_per = {}
    for label, value in (("no match", randoms[0]), ("a match", plants[0][0])):
        with CaptureQueriesContext(connection) as captured:
            lookup(value)
        queries_per[label] = len(captured.captured_queries)
    candidates = []
    for value in randoms[:20]:
        # max_distance=64 keeps every row that shares a band within 2 bits: the index entries a lookup reads.
        candidates.append(phash_candidates(value, max_distance=64, exclude_problem_id=exclude, band_radius=2).count())

    gc.collect()
    t_random, t_random_r1 = [], []
    for value in randoms:  # alternate, so drift hits both variants alike
        t0 = time.perf_counter()
        lookup(value)
        t_random.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        lookup(value, 1)
        t_random_r1.append(time.perf_counter() - t0)

    recall: dict[int, list[int]] = {d: [0, 0, 0] for d in PLANTED_DISTANCES}  # found (r=2), found (r=1), asked
    t_planted = []
    for i, (query, _, distance) in enumerate(plants):
        planted_problem = first + i
        t0 = time.perf_counter()
        matches = lookup(query)
        t_planted.append(time.perf_counter() - t0)
        recall[distance][0] += any(m.problem_id == planted_problem and m.distance == distance for m in matches)
        recall[distance][1] += any(m.problem_id == planted_problem and m.distance == distance
                                   for m in lookup(query, 1))
        recall[distance][2] += 1

    scan_sql = ("SELECT problem_id, phash FROM problems_photo WHERE problem_id <> %s "
                "AND bit_count((phash # %s)::bit(64)) <= %s")
    t_scan, t_index_same, t_numpy = [], [], []
    mismatches = 0
    scan_queries = [plants[(MAX_DISTANCE - 1) * PLANTED_PER_DISTANCE + k][0] for k in range(args.scans // 2)]
    scan_queries += randoms[-(args.scans - len(scan_queries)):]
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as raw:
        for value in scan_queries:
            t0 = time.perf_counter()
            rows = raw.execute(scan_sql, (exclude, to_signed(value), MAX_DISTANCE)).fetchall()
            t_scan.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            matches = lookup(value)
            t_index_same.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            np.bitwise_count(stored ^ np.uint64(value)) <= MAX_DISTANCE  # noqa: B015 - timed for its cost only
            t_numpy.append(time.perf_counter() - t0)
            every = phash_lookup(value, max_distance=MAX_DISTANCE, exclude_problem_id=exclude, limit=len(rows) + 1)
            mismatches += {pid for pid, _ in rows} != {m.problem_id for m in every} or len(matches) > len(every)

    rows_out = [[f"{d}", f"{recall[d][0]}/{recall[d][2]}", f"{recall[d][1]}/{recall[d][2]}",
                 "must be all" if d <= MAX_DISTANCE else "must be none (beyond 8)"] for d in PLANTED_DISTANCES]
    print_table(f"Recall of planted near-duplicates, lookup within {MAX_DISTANCE} bits", rows_out,
                header=["distance", "2 bits/band (used)", "1 bit/band", ""])
    print_table("Per lookup", [
        ["random hash (no match), 2 bits/band", fmt_ms(median(t_random)), fmt_ms(percentile(t_random, 95)),
         str(len(t_random))],
        ["random hash (no match), 1 bit/band", fmt_ms(median(t_random_r1)), fmt_ms(percentile(t_random_r1, 95)),
         str(len(t_random_r1))],
        ["planted (a match each), 2 bits/band", fmt_ms(median(t_planted)), fmt_ms(percentile(t_planted, 95)),
         str(len(t_planted))],
        ["full scan in SQL (baseline)", fmt_ms(median(t_scan)), fmt_ms(percentile(t_scan, 95)), str(len(t_scan))],
        ["index lookup, same hashes as the scans", fmt_ms(median(t_index_same)), fmt_ms(percentile(t_index_same, 95)),
         str(len(t_index_same))],
        ["numpy scan of all hashes in memory", fmt_ms(median(t_numpy)), fmt_ms(percentile(t_numpy, 95)),
         str(len(t_numpy))],
    ], header=["", "p50", "p95", "n"])
    all_lookups = t_random + t_planted
    found = sum(recall[d][0] for d in PLANTED_DISTANCES if d <= MAX_DISTANCE)
    asked = sum(recall[d][2] for d in PLANTED_DISTANCES if d <= MAX_DISTANCE)
    beyond = sum(recall[d][0] for d in PLANTED_DISTANCES if d > MAX_DISTANCE)
    r1_at_8 = recall[MAX_DISTANCE][1] / recall[MAX_DISTANCE][2]
    print(f"\ncandidate index entries per lookup (sharing a band within 2 bits, no distance filter): "
          f"mean {sum(candidates) / len(candidates):,.0f} (uniform estimate 548 x {total:,} / 65,536 = "
          f"{548 * total / 65536:,.0f}); exact up to {exact_up_to(MAX_DISTANCE // 4)} bits")
    print(f"SQL statements per lookup: {queries_per['no match']} without a match, {queries_per['a match']} with one "
          f"(BEGIN, SET LOCAL, the UNION ALL, SET LOCAL, COMMIT; + the photos and numbers of a match)")
    print(f"results differing from the full scan: {mismatches} of {len(scan_queries)}")
    print(f"total time {time.perf_counter() - t_start:.1f} s"
          + (f" (generation {t_gen:.1f} s)" if t_gen is not None else " (data reused)"))
    print_figures([
        Figure("phash lookup p50 / p95 (1,000,000 hashes)",
               f"{fmt_ms(median(all_lookups))} / {fmt_ms(percentile(all_lookups, 95))}",
               f"{fmt_ms(median(t_scan))} (SQL full scan p50)", fmt_ratio(median(t_scan) / median(t_index_same)),
               "ratio: scan p50 / lookup p50, same hashes"),
        Figure("phash recall d=0..8", f"{found}/{asked}", f"{beyond} returned beyond 8 (0 expected)", "-",
               "must be all"),
        Figure("phash 1 bit/band variant", fmt_ms(median(t_random_r1)), f"recall at 8: {r1_at_8:.0%}",
               fmt_ratio(median(t_random) / median(t_random_r1)), "2-bit p50 / 1-bit p50"),
        Figure("phash numpy in-memory scan", fmt_ms(median(t_numpy)), "every process holds all hashes", "-",
               "reference"),
        Figure("phash mismatches vs scan", str(mismatches), "0 expected", "-", "must be 0"),
    ] + ([Figure("phash generation", f"{t_gen:.0f} s", f"{args.hashes:,} hashes", "-", "")]
         if t_gen is not None else []))


if __name__ == "__main__":
    main()
