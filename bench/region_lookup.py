"""Region lookup: which grid a reported point falls in, among 12,000 grid polygons.

What is measured: `RegionIndex.locate(lng, lat)` one point at a time (the path every problem report takes:
`problem_report` → `region_index().locate`) and `RegionIndex.locate_many` on a numpy batch (imports, map
layers), on a synthetic but realistic Rongcheng-sized geography built in memory (no database):
city → 24 towns → 600 villages → 12,000 grids, each grid an irregular 12-vertex polygon from a jittered
120 x 100 lattice over lon 122.05–122.72, lat 36.85–37.45, with shared (conformal) borders rounded to
6 decimals like the real region files.

Baseline, and why it is fair: the obvious implementation without a spatial index, measured in the same run on
the same polygons and points: for each point, walk the leaf polygons in the index's own order (by code) and
return the first one whose *prepared* geometry intersects the point. It uses the same predicate as the index
(`intersects`, so points on a border resolve to the lowest code in both), stops at the first hit, and its
polygons are prepared, so only the missing index separates the two. A second, stronger baseline that first
checks each polygon's bounding box in Python (what the `min_lng…max_lat` columns would allow) is printed too.
The scans are slow, so they run on fewer points; rates are per point either way.

Correctness is checked on every point the scan sampled: `locate`, `locate_many` and the scan must agree
(mismatches must be 0). Points include ~1% placed exactly on shared lattice vertices (ties) and ~9% in the
margin outside the grid (no region).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import shapely

from bench.common import Figure, django_setup, fmt_rate, fmt_ratio, print_figures, print_table

LON0, LON1, LAT0, LAT1 = 122.05, 122.72, 36.85, 37.45
NX, NY = 120, 100  # grid cells: 12,000
TOWNS_X, TOWNS_Y = 6, 4  # 24 towns of 20 x 25 cells
VILLAGE_W, VILLAGE_H = 4, 5  # villages of 4 x 5 = 20 grids; 25 villages per town
SEED = 371082


def build_geography(seed: int = SEED) -> tuple[list, dict[int, dict], np.ndarray]:
    """RegionNodes (city, towns, villages, grids), grid boundaries as GeoJSON mappings, and the lattice vertices.

    Returns (nodes, boundaries by grid id, lattice vertex coordinates of shape (NX+1, NY+1, 2)).
    """
    from renju.plans.geo import RegionNode

    rng = np.random.default_rng(seed)
    dx, dy = (LON1 - LON0) / NX, (LAT1 - LAT0) / NY
    gx, gy = np.meshgrid(np.arange(NX + 1), np.arange(NY + 1), indexing="ij")
    vx = LON0 + gx * dx + rng.uniform(-0.3, 0.3, gx.shape) * dx * (gx % NX != 0)
    vy = LAT0 + gy * dy + rng.uniform(-0.3, 0.3, gy.shape) * dy * (gy % NY != 0)
    vertices = np.stack([vx, vy], axis=-1)
    # Two intermediate points on every lattice edge, pushed sideways; shared by the two cells along the edge.
    h_off = rng.uniform(-0.12, 0.12, (NX, NY + 1, 2)) * dy * (np.arange(NY + 1) % NY != 0)[None, :, None]
    v_off = rng.uniform(-0.12, 0.12, (NX + 1, NY, 2)) * dx * (np.arange(NX + 1) % NX != 0)[:, None, None]

    def h_edge(i: int, j: int) -> list[tuple[float, float]]:  # from vertex (i, j) to (i+1, j), exclusive
        a, b = vertices[i, j], vertices[i + 1, j]
        return [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t + h_off[i, j, k])
                for k, t in enumerate((1 / 3, 2 / 3))]

    def v_edge(i: int, j: int) -> list[tuple[float, float]]:  # from vertex (i, j) to (i, j+1), exclusive
        a, b = vertices[i, j], vertices[i, j + 1]
        return [(a[0] + (b[0] - a[0]) * t + v_off[i, j, k], a[1] + (b[1] - a[1]) * t)
                for k, t in enumerate((1 / 3, 2 / 3))]

    def r6(p: tuple[float, float] | np.ndarray) -> list[float]:
        return [round(float(p[0]), 6), round(float(p[1]), 6)]

    nodes = [RegionNode(1, "371082", "荣成市", "city", None)]
    next_id = 2
    town_ids: dict[tuple[int, int], int] = {}
    village_ids: dict[tuple[int, int], int] = {}
    boundaries: dict[int, dict] = {}
    town_w, town_h = NX // TOWNS_X, NY // TOWNS_Y
    for tx in range(TOWNS_X):
        for ty in range(TOWNS_Y):
            t = len(town_ids) + 1
            town_ids[tx, ty] = next_id
            nodes.append(RegionNode(next_id, f"371082{t:03d}", f"演示镇{t}", "town", 1))
            next_id += 1
    for vx_ in range(NX // VILLAGE_W):
        for vy_ in range(NY // VILLAGE_H):
            town = town_ids[vx_ * VILLAGE_W // town_w, vy_ * VILLAGE_H // town_h]
            town_code = next(n.code for n in nodes if n.id == town)
            seq = sum(1 for n in nodes if n.parent_id == town) + 1
            village_ids[vx_, vy_] = next_id
            nodes.append(RegionNode(next_id, f"{town_code}{seq:03d}", f"演示村{next_id}", "village", town))
            next_id += 1
    codes = {n.id: n.code for n in nodes}
    seq_in: dict[int, int] = {}
    for i in range(NX):
        for j in range(NY):
            village = village_ids[i // VILLAGE_W, j // VILLAGE_H]
            seq_in[village] = seq_in.get(village, 0) + 1
            gid = next_id
            next_id += 1
            nodes.append(RegionNode(gid, f"{codes[village]}{seq_in[village]:03d}", f"网格{gid}", "grid", village))
            ring = [r6(vertices[i, j])] + [r6(p) for p in h_edge(i, j)]
            ring += [r6(vertices[i + 1, j])] + [r6(p) for p in v_edge(i + 1, j)]
            ring += [r6(vertices[i + 1, j + 1])] + [r6(p) for p in reversed(h_edge(i, j + 1))]
            ring += [r6(vertices[i, j + 1])] + [r6(p) for p in reversed(v_edge(i, j))]
            ring.append(ring[0])
            boundaries[gid] = {"type": "Polygon", "coordinates": [ring]}
    return nodes, boundaries, vertices


def sample_points(n: int, vertices: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points: ~90% uniform inside the grid's bbox, ~9% in a margin around it, ~1% exactly on lattice vertices."""
    rng = np.random.default_rng(seed)
    kind = rng.uniform(size=n)
    mx, my = (LON1 - LON0) * 0.05, (LAT1 - LAT0) * 0.05
    lngs = rng.uniform(LON0, LON1, n)
    lats = rng.uniform(LAT0, LAT1, n)
    outside = (kind >= 0.90) & (kind < 0.99)
    lngs[outside] = rng.uniform(LON0 - mx, LON1 + mx, outside.sum())
    lats[outside] = np.where(rng.uniform(size=outside.sum()) < 0.5, LAT0 - my * rng.uniform(size=outside.sum()),
                             LAT1 + my * rng.uniform(size=outside.sum()))
    on_vertex = kind >= 0.99
    vi = rng.integers(1, NX, on_vertex.sum())
    vj = rng.integers(1, NY, on_vertex.sum())
    lngs[on_vertex] = np.round(vertices[vi, vj, 0], 6)
    lats[on_vertex] = np.round(vertices[vi, vj, 1], 6)
    return lngs, lats


class NaiveScan:
    """No index: the leaf polygons (prepared) in code order, first intersecting one wins."""

    def __init__(self, leaf_ids: np.ndarray, boundaries: dict[int, dict], bbox_first: bool) -> None:
        from shapely.geometry import shape

        self.ids = [int(i) for i in leaf_ids]
        self.geoms = [shape(boundaries[i]) for i in self.ids]
        for g in self.geoms:
            shapely.prepare(g)
        self.bounds = [g.bounds for g in self.geoms]
        self.bbox_first = bbox_first

    def locate(self, lng: float, lat: float) -> int | None:
        point = shapely.Point(lng, lat)
        if self.bbox_first:
            for rid, g, (x0, y0, x1, y1) in zip(self.ids, self.geoms, self.bounds, strict=True):
                if x0 <= lng <= x1 and y0 <= lat <= y1 and g.intersects(point):
                    return rid
            return None
        for rid, g in zip(self.ids, self.geoms, strict=True):
            if g.intersects(point):
                return rid
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=50_000, help="single locate() calls timed (default 50,000)")
    parser.add_argument("--batch", type=int, default=500_000, help="points in the locate_many() batch")
    parser.add_argument("--naive-points", type=int, default=200, help="points for the naive scan (slow)")
    parser.add_argument("--bbox-points", type=int, default=1_000, help="points for the bbox-first scan")
    args = parser.parse_args(argv)
    django_setup()  # renju.plans.geo imports the Region model; no database is opened
    from renju.plans.geo import RegionIndex

    t0 = time.perf_counter()
    nodes, boundaries, vertices = build_geography()
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = RegionIndex(nodes, boundaries)
    t_index = time.perf_counter() - t0
    invalid = int((~shapely.is_valid(np.array(index.leaf_geoms, dtype=object))).sum())
    print(f"geography: {len(nodes):,} regions, {len(index.leaf_ids):,} grid polygons "
          f"({len(boundaries[index.leaf_ids[0]]['coordinates'][0]) - 1} vertices each, {invalid} invalid); "
          f"built in {t_build:.2f} s, RegionIndex() in {t_index:.2f} s")

    lngs, lats = sample_points(args.points, vertices, seed=1)
    pairs = list(zip(lngs.tolist(), lats.tolist(), strict=True))
    for lng, lat in pairs[:1000]:  # warm-up
        index.locate(lng, lat)
    t0 = time.perf_counter()
    single = [index.locate(lng, lat) for lng, lat in pairs]
    t_single = time.perf_counter() - t0
    rate_single = len(pairs) / t_single

    blngs, blats = sample_points(args.batch, vertices, seed=2)
    index.locate_many(blngs[:1000], blats[:1000])
    t0 = time.perf_counter()
    batch = index.locate_many(blngs, blats)
    t_batch = time.perf_counter() - t0
    rate_batch = len(blngs) / t_batch

    naive = NaiveScan(index.leaf_ids, boundaries, bbox_first=False)
    bbox = NaiveScan(index.leaf_ids, boundaries, bbox_first=True)
    n_naive = min(args.naive_points, len(pairs))
    n_bbox = min(args.bbox_points, len(pairs))
    naive.locate(*pairs[0])
    t0 = time.perf_counter()
    naive_answers = [naive.locate(lng, lat) for lng, lat in pairs[:n_naive]]
    t_naive = time.perf_counter() - t0
    rate_naive = n_naive / t_naive
    t0 = time.perf_counter()
    bbox_answers = [bbox.locate(lng, lat) for lng, lat in pairs[:n_bbox]]
    t_bbox = time.perf_counter() - t0
    rate_bbox = n_bbox / t_bbox

    # Agreement: locate vs scans on the scanned points, locate vs locate_many on every single-lookup point.
    mism_naive = sum(a != b for a, b in zip(single[:n_naive], naive_answers, strict=True))
    mism_bbox = sum(a != b for a, b in zip(single[:n_bbox], bbox_answers, strict=True))
    many_on_single = index.locate_many(lngs, lats)
    mism_many = sum((a if a is not None else -1) != int(b) for a, b in zip(single, many_on_single, strict=True))
    batch_check = [index.locate(x, y) for x, y in zip(blngs[:5000].tolist(), blats[:5000].tolist(), strict=True)]
    mism_many += sum((a if a is not None else -1) != int(b) for a, b in zip(batch_check, batch[:5000], strict=True))
    misses = sum(a is None for a in single)
    hit_share = 1 - misses / len(single)

    print_table(
        "region lookup among 12,000 grid polygons",
        [
            ["RegionIndex.locate (bucket grid, single)", f"{len(pairs):,}", f"{t_single:.3f} s",
             fmt_rate(rate_single, "lookups"), f"{t_single / len(pairs) * 1e6:.1f} µs"],
            ["RegionIndex.locate_many (vectorised)", f"{len(blngs):,}", f"{t_batch:.3f} s",
             fmt_rate(rate_batch, "lookups"), f"{t_batch / len(blngs) * 1e6:.2f} µs"],
            ["naive scan (prepared, first hit)", f"{n_naive:,}", f"{t_naive:.3f} s", fmt_rate(rate_naive, "lookups"),
             f"{t_naive / n_naive * 1e3:.2f} ms"],
            ["naive scan, bbox check first", f"{n_bbox:,}", f"{t_bbox:.3f} s", fmt_rate(rate_bbox, "lookups"),
             f"{t_bbox / n_bbox * 1e3:.2f} ms"],
        ],
        header=["method", "points", "time", "rate", "per point"],
    )
    print(f"\npoints inside a grid: {hit_share:.1%}; mismatches: locate vs naive scan {mism_naive} / {n_naive}, "
          f"vs bbox scan {mism_bbox} / {n_bbox}, vs locate_many {mism_many} / {len(single) + len(batch_check):,}")
    mismatches = mism_naive + mism_bbox + mism_many
    print_figures([
        Figure("region lookup", fmt_rate(rate_single, "lookups"), f"{fmt_rate(rate_naive, 'lookups')} (naive scan)",
               fmt_ratio(rate_single / rate_naive), "target >= 100x"),
        Figure("region lookup vs bbox scan", fmt_rate(rate_single, "lookups"),
               f"{fmt_rate(rate_bbox, 'lookups')} (bbox-first scan)", fmt_ratio(rate_single / rate_bbox)),
        Figure("region lookup, batch", fmt_rate(rate_batch, "lookups"), f"{fmt_rate(rate_single, 'lookups')} (single)",
               fmt_ratio(rate_batch / rate_single)),
        Figure("region lookup mismatches", str(mismatches), "0 expected", "-", "must be 0"),
    ])


if __name__ == "__main__":
    main()
