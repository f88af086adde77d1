"""Generate ``rongcheng-demo.geojson``: a DEMO region tree for 荣成市 (Rongcheng, Shandong).

Why this exists: the remediation plan names no towns and ships no boundaries, yet Renju needs a region tree
(city → areas → towns/streets → villages/communities → grids) to place problems, route work and draw maps.
This script builds a clearly labelled DEMO geography: the city, areas and towns/streets carry the names and
codes the project was given and sit in roughly the right places, but every boundary, village, community and
grid is INVENTED (each feature carries ``"demo": true``).  A real deployment replaces it with its own
GeoJSON via ``renju loadregions FILE.geojson``.

How it guarantees exact nesting: a rough coastline is cut into ~8,000 small Voronoi cells; their boundaries
are snap-rounded to 1e-6 degrees as one network and polygonised, so the cells form an exactly conformal
coverage whose vertices are already on the 6-decimal grid.  Cells are assigned top-down (town by nearest
seed, then villages and grids by k-means inside their parent, all with a smooth warp so borders wander;
exclaves are merged into a neighbour), and every region's geometry is the union of its cells.  Children
therefore cover their parent exactly, never overlap, and rounding to 6 decimals changes nothing.

Deterministic: fixed seeds, sorted iteration; re-running (same shapely/GEOS build) gives a byte-identical file.
Run: ``.venv/bin/python plans/regions/make_demo_regions.py``
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon

OUT = Path(__file__).with_name("rongcheng-demo.geojson")
SEED = 371082
GRID = 1e-6  # 6 decimals
KX = math.cos(math.radians(37.15))  # one degree of longitude, in degrees of latitude
CITY = ("371082", "荣成市")
TITLE = "荣成市演示区划（DEMO，非真实边界）"

# fmt: off
# Rough coastline of the peninsula tip plus the land border with 文登 (lon, lat), going round once.
OUTLINE = [
    (122.17, 37.34), (122.22, 37.38), (122.28, 37.40), (122.35, 37.41), (122.41, 37.39), (122.47, 37.41),
    (122.53, 37.44), (122.59, 37.45), (122.64, 37.43), (122.68, 37.42), (122.72, 37.395), (122.69, 37.36),
    (122.66, 37.31), (122.63, 37.27), (122.61, 37.23), (122.63, 37.19), (122.60, 37.15), (122.57, 37.12),
    (122.52, 37.11), (122.48, 37.10), (122.46, 37.07), (122.50, 37.04), (122.56, 37.02), (122.61, 36.98),
    (122.62, 36.93), (122.58, 36.90), (122.53, 36.88), (122.47, 36.86), (122.42, 36.855), (122.37, 36.87),
    (122.31, 36.885), (122.25, 36.91), (122.20, 36.94), (122.15, 36.98), (122.11, 37.04), (122.07, 37.10),
    (122.10, 37.17), (122.11, 37.24), (122.13, 37.30),
]
AREAS = {"A01": "经济开发区", "A02": "石岛管理区", "A03": "好运角旅游度假区"}
# (code suffix, name, kind, area or None, seed lon, seed lat).  Kind "direct" = land an area manages itself;
# its villages are communities coded 371082 + 9 + area number + sequence.
UNITS = [
    ("001", "崖头街道", "street", None, 122.500, 37.155), ("002", "城西街道", "street", None, 122.405, 37.180),
    ("003", "宁津街道", "street", "A02", 122.570, 36.945), ("004", "港湾街道", "street", "A02", 122.430, 36.872),
    ("005", "桃园街道", "street", "A02", 122.390, 36.895), ("006", "王连街道", "street", "A02", 122.420, 36.935),
    ("007", "东山街道", "street", "A02", 122.495, 36.890), ("008", "斥山街道", "street", "A02", 122.330, 36.915),
    ("009", "崂山街道", "street", None, 122.385, 37.100), ("010", "寻山街道", "street", None, 122.580, 37.165),
    ("011", "俚岛镇", "town", None, 122.580, 37.250), ("012", "成山镇", "town", "A03", 122.625, 37.340),
    ("013", "埠柳镇", "town", "A03", 122.550, 37.380), ("014", "港西镇", "town", None, 122.450, 37.310),
    ("015", "夏庄镇", "town", None, 122.280, 37.340), ("016", "崖西镇", "town", None, 122.315, 37.225),
    ("017", "荫子镇", "town", None, 122.160, 37.180), ("018", "滕家镇", "town", None, 122.430, 37.030),
    ("019", "大疃镇", "town", None, 122.270, 37.080), ("020", "上庄镇", "town", None, 122.300, 36.970),
    ("021", "虎山镇", "town", None, 122.510, 36.990), ("022", "人和镇", "town", None, 122.170, 36.990),
    ("901", "经济开发区直管", "direct", "A01", 122.430, 37.105),
    ("902", "石岛管理区直管", "direct", "A02", 122.465, 36.920),
    ("903", "好运角直管", "direct", "A03", 122.690, 37.395),
]
DIRECT_VILLAGES = {"901": 4, "902": 2, "903": 2}

SURNAMES = "王张李刘陈杨赵周吴徐孙马朱胡郭高林郑谢于曲袁鞠邹毕孔汤宋姜唐许邢连岳"
PREFIXES = "东西南北前后上下大小"
FEATURES = ["鱼岛", "石岭", "河口", "泊子", "山后", "岭前", "沟里", "台上", "湾头", "崖后", "桥头", "泉水",
            "松林", "柳树", "杏林", "槐树", "荻沟", "黄山", "青山", "马山", "烟墩", "港头", "石桥", "龙泉"]
COMMUNITY_A = "海滨观新和福康泰安凤金青春阳文兴华明瑞港"
COMMUNITY_B = "湾苑园城景港安祥盛平山河泉林岭华"
# fmt: on


def rounded(coords: Iterable[tuple[float, float]]) -> list[list[float]]:
    return [[round(x, 6), round(y, 6)] for x, y in coords]


def geojson(geom: shapely.Geometry) -> dict:
    geom = shapely.orient_polygons(geom)  # exteriors counter-clockwise, holes clockwise
    polys = [[rounded(p.exterior.coords), *(rounded(r.coords) for r in p.interiors)] for p in shapely.get_parts(geom)]
    if len(polys) == 1:
        return {"type": "Polygon", "coordinates": polys[0]}
    return {"type": "MultiPolygon", "coordinates": polys}


def scaled(lonlat: np.ndarray) -> np.ndarray:
    return lonlat * np.array([KX, 1.0])


def nearest(pts: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    return ((pts[:, None, :] - seeds[None]) ** 2).sum(-1).argmin(1)


def warp(pts: np.ndarray, scale: float, rng: random.Random) -> np.ndarray:
    """Shift points by a smooth random field so nearest-seed borders wander instead of running straight."""
    a = [rng.uniform(0, 2 * math.pi) for _ in range(4)]
    k, amp, x, y = 2 * math.pi / (1.6 * scale), 0.22 * scale, pts[:, 0], pts[:, 1]
    dx = np.sin(k * y + a[0]) + 0.5 * np.sin(1.9 * k * (x + y) + a[1])
    dy = np.sin(k * x + a[2]) + 0.5 * np.sin(1.7 * k * (x - y) + a[3])
    return np.column_stack([x + amp * dx, y + amp * dy])


def make_cells(rng: random.Random) -> tuple[np.ndarray, list[set[int]]]:
    """A conformal coverage of the outline by small cells on the 1e-6 grid, and their edge adjacency."""
    seeds = np.array([(u[4], u[5]) for u in UNITS])
    outline, s = Polygon(OUTLINE), 0.0055  # background: a jittered hexagonal lattice, s degrees apart
    pts = [
        (122.04 + (i + j % 2 / 2 + rng.uniform(-0.3, 0.3)) * s / KX, 36.84 + (j + rng.uniform(-0.3, 0.3)) * s * 0.866)
        for j in range(int(0.62 / (s * 0.866)))
        for i in range(int(0.7 * KX / s))
    ]
    for lon, lat in seeds:  # denser cells where seats crowd together (石岛, 崖头), so small streets still split
        near = np.sort(np.hypot(*(scaled(seeds) - scaled(np.array([lon, lat]))).T))[1]
        pts += [(rng.gauss(lon, 0.4 * near / KX), rng.gauss(lat, 0.4 * near)) for _ in range(60 if near < 0.06 else 0)]
    pts = [p for p, ok in zip(pts, shapely.contains_xy(outline.buffer(0.01), pts), strict=True) if ok]
    vor = shapely.voronoi_polygons(MultiPoint(pts), extend_to=outline.buffer(0.1))
    cells = shapely.intersection(np.array(list(vor.geoms)), outline)
    lines = shapely.union_all(shapely.boundary(cells[~shapely.is_empty(cells)]), grid_size=GRID)
    faces = [f for f in shapely.get_parts(shapely.polygonize([lines])) if f.area > 0]
    faces.sort(key=lambda f: (round(f.centroid.x, 7), round(f.centroid.y, 7), round(f.area, 12)))
    faces_a = np.array(faces)
    left, right = shapely.STRtree(faces_a).query(faces_a, predicate="intersects")
    keep = (left < right) & shapely.relate_pattern(faces_a[left], faces_a[right], "****1****")
    adj: list[set[int]] = [set() for _ in faces]
    for i, j in zip(left[keep].tolist(), right[keep].tolist(), strict=True):
        adj[i].add(j)
        adj[j].add(i)
    return faces_a, adj


def merge_exclaves(cells: list[int], label: dict[int, int], adj: list[set[int]], area: np.ndarray) -> None:
    """Give every label one edge-connected piece: smaller pieces join the neighbour they touch most."""
    inside = set(cells)
    while True:
        seen: set[int] = set()
        pieces: dict[int, list[list[int]]] = {}
        for c in cells:
            if c in seen:
                continue
            stack, piece = [c], []
            seen.add(c)
            while stack:
                d = stack.pop()
                piece.append(d)
                for e in sorted(adj[d]):
                    if e in inside and e not in seen and label[e] == label[c]:
                        seen.add(e)
                        stack.append(e)
            pieces.setdefault(label[c], []).append(piece)
        stray = [p for lab in sorted(pieces) for p in sorted(pieces[lab], key=lambda p: -area[p].sum())[1:]]
        if not stray:
            return
        piece = stray[0]
        votes = Counter(label[e] for d in piece for e in adj[d] if e in inside and label[e] != label[piece[0]])
        new = min(votes, key=lambda lab: (-votes[lab], lab))
        for d in piece:
            label[d] = new


def split(
    cells: list[int], k: int, centers: np.ndarray, area: np.ndarray, adj: list[set[int]], rng: random.Random
) -> list[list[int]]:
    """Partition a connected set of cells into k compact, connected, wandering blobs (k-means + warp)."""
    pts, w = scaled(centers[cells]), area[cells]
    seeds = pts[sorted(rng.sample(range(len(cells)), k))]
    for _ in range(20):
        lab = nearest(pts, seeds)
        seeds = np.array(
            [np.average(pts[lab == j], 0, w[lab == j]) if (lab == j).any() else seeds[j] for j in range(k)]
        )
    label = dict(zip(cells, nearest(warp(pts, math.sqrt(w.sum() / k), rng), seeds).tolist(), strict=True))
    merge_exclaves(cells, label, adj, area)
    parts = [[c for c in cells if label[c] == j] for j in range(k)]
    assert all(parts), "an empty part; change SEED or the cell density"
    parts.sort(key=lambda p: (-centers[p, 1].mean(), centers[p, 0].mean()))  # number them north to south
    return parts


def namer(rng: random.Random) -> Callable[[str], str]:
    """Unique invented names: XX村 for villages, XX社区 for communities."""
    used: set[str] = set()

    def name(kind: str) -> str:
        while True:
            if kind == "community":
                n = rng.choice(COMMUNITY_A) + rng.choice(COMMUNITY_B) + "社区"
            elif rng.random() < 0.5:
                n = rng.choice(["", *PREFIXES]) + rng.choice(SURNAMES) + "家" + rng.choice(["", *"庄疃泊岭"]) + "村"
            else:
                n = rng.choice(PREFIXES) + rng.choice(FEATURES) + "村"
            if n not in used:
                used.add(n)
                return n

    return name


def build() -> dict:
    rng = random.Random(SEED)
    faces, adj = make_cells(rng)
    centers = shapely.get_coordinates(shapely.centroid(faces))
    area = shapely.area(faces) * KX
    everything = list(range(len(faces)))
    unit_seeds = scaled(np.array([(u[4], u[5]) for u in UNITS]))
    label = dict(zip(everything, nearest(warp(scaled(centers), 0.05, rng), unit_seeds).tolist(), strict=True))
    merge_exclaves(everything, label, adj, area)
    name = namer(rng)
    regions: list[tuple[str, str, str, str | None, list[int]]] = [(*CITY, "city", None, everything)]
    for a, an in AREAS.items():
        cells = [c for c in everything if UNITS[label[c]][3] == a]
        regions.append((CITY[0] + a, an, "area", CITY[0], cells))
    villages = []
    for u, (suffix, un, kind, a, _, _) in enumerate(UNITS):
        cells = [c for c in everything if label[c] == u]
        if kind == "direct":
            parent, code, vkind, nv = CITY[0] + a, CITY[0] + suffix, "community", DIRECT_VILLAGES[suffix]
        else:
            parent = CITY[0] + a if a else CITY[0]
            code, vkind, nv = CITY[0] + suffix, "community" if kind == "street" else "village", rng.randint(3, 5)
            regions.append((code, un, kind, parent, cells))
        for i, vcells in enumerate(split(cells, nv, centers, area, adj, rng), 1):
            villages.append((f"{code}{i:03d}", name(vkind), vkind, parent if kind == "direct" else code, vcells))
    grids = []
    for vcode, vname, _, _, vcells in villages:
        ng = min(rng.randint(2, 4), len(vcells) // 4)
        assert ng >= 2, f"village {vcode} has too few cells for two grids"
        for i, gcells in enumerate(split(vcells, ng, centers, area, adj, rng), 1):
            grids.append((f"{vcode}{i:03d}", f"{vname}第{i}网格", "grid", vcode, gcells))
    regions += sorted(villages) + sorted(grids)
    features = []
    for code, rname, kind, parent, cells in regions:
        geom = shapely.union_all(faces[cells], grid_size=GRID)
        props = {"code": code, "name": rname, "kind": kind, "parent": parent, "demo": True}
        features.append({"type": "Feature", "properties": props, "geometry": geojson(geom)})
    return {"type": "FeatureCollection", "name": TITLE, "features": features}


def main() -> None:
    doc = build()
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in doc["features"]]
    head = json.dumps({k: v for k, v in doc.items() if k != "features"}, ensure_ascii=False)[:-1]
    OUT.write_text(head + ', "features": [\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
    counts = Counter(f["properties"]["kind"] for f in doc["features"])
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes):", dict(counts))


if __name__ == "__main__":
    main()
