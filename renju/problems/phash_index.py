"""Perceptual hashes of photos, stored so that "which stored photos look like this one?" is fast.

The hash is pHash (ImageHash's `phash`: the 32x32 greyscale picture's DCT, its 8x8 lowest frequencies compared with
their median): 64 bits that barely move when a photo is resized, re-compressed or lightly retouched, so the number
of differing bits (Hamming distance) says how alike two pictures are. It is computed on the upright picture (EXIF
orientation applied), so a copy whose pixels were rotated to match its orientation tag hashes the same.

Storage and lookup: multi-index hashing (Norouzi, Punjani and Fleet, "Fast search in Hamming space with multi-index
hashing", CVPR 2012). Each photo row keeps the hash as a signed 64-bit integer (`phash`) and its four 16-bit bands
(`phash_b0` … `phash_b3`, most significant first), each band leading its own index `(band, problem, phash)`.
Pigeonhole: if two hashes differ in at most d bits, at least one band differs in at most floor(d / 4) bits. So a
lookup within distance d enumerates, for each band, every 16-bit value within floor(d / 4) bits of the query's band
(1 + 16 + 120 = 137 values for d = 8), fetches the rows whose band is one of them (four index probes, UNION ALL) and
keeps those within d over the whole hash. That is exact: every stored hash within d is found, none farther is
returned. Among 1,000,000 uniformly random hashes a lookup at d = 8 reads about 548 x 1,000,000 / 65,536 ≈ 8,400
candidate index entries instead of 1,000,000 rows: ~8 ms against ~220 ms for a full scan on PostgreSQL
(bench/phash_lookup.py, which also checks recall on planted near-duplicates).

Why this and not the alternatives:
- one exact-match band per hash (4 bands, radius 0) is exact only up to d = 3, and at d = 8 misses most near
  duplicates; 9 bands of 7 bits would be exact at d = 8 with radius 0 but each band value matches ~7,800 of a
  million rows, so a lookup reads ~70,000;
- radius 1 per band (68 probes, ~1,000 candidates, bench/phash_lookup.py measures it too) is exact up to d = 7 and
  at d = 8 misses the pairs whose 8 differing bits fall exactly 2 in every band (about 5 % of random such pairs);
- a BK-tree or a vantage-point tree lives in memory: every web process would have to build and keep one in step
  with the table, whereas the bands are plain indexed columns that behave the same on SQLite and PostgreSQL and
  need no extension.
Known trade-off: real photos' hashes are not uniform (similar scenes share low-frequency structure), so some band
values are more common than others and a lookup reads more candidates than the uniform estimate. PostgreSQL
computes the distance itself (`bit_count`, PostgreSQL 14+) and the composite indexes let it answer from the index
alone; SQLite returns the candidates and Python counts the bits.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from functools import cache

import numpy as np
from django.db import connection, transaction
from django.db.models import BooleanField, IntegerField, QuerySet
from django.db.models.expressions import RawSQL
from PIL import Image

HASH_BITS = 64
BANDS = 4
BAND_BITS = HASH_BITS // BANDS
BAND_MASK = (1 << BAND_BITS) - 1
BAND_FIELDS = tuple(f"phash_b{i}" for i in range(BANDS))
# The lookup returns at most this many other problems per photo, nearest first: enough for a verifier to follow up.
MATCH_LIMIT = 5


@dataclass(frozen=True)
class PhashMatch:
    """A problem holding a photo within the asked distance of the looked-up hash, and its nearest such photo."""

    problem_id: int
    number: str
    distance: int
    photo_id: int | None = None


def phash_of_image(image: Image.Image) -> int:
    """The 64-bit pHash of an (upright) picture as an unsigned integer, first DCT coefficient in the top bit."""
    import imagehash

    bits = imagehash.phash(image).hash.flatten()
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def to_signed(value: int) -> int:
    """An unsigned 64-bit hash as the signed integer a BIGINT column holds."""
    return value - (1 << HASH_BITS) if value >= 1 << (HASH_BITS - 1) else value


def to_unsigned(value: int) -> int:
    return value & ((1 << HASH_BITS) - 1)


def hash_bands(value: int) -> tuple[int, ...]:
    """The four 16-bit bands of an unsigned hash, most significant first."""
    return tuple((value >> (BAND_BITS * (BANDS - 1 - i))) & BAND_MASK for i in range(BANDS))


def phash_columns(value: int | None) -> dict[str, int | None]:
    """The Photo fields that store `value` (all None for a photo without a hash)."""
    if value is None:
        return {"phash": None, **dict.fromkeys(BAND_FIELDS)}
    return {"phash": to_signed(value), **dict(zip(BAND_FIELDS, hash_bands(value), strict=True))}


@cache
def _masks(radius: int) -> tuple[int, ...]:
    """Every 16-bit XOR mask with at most `radius` bits set."""
    return tuple(sum(1 << b for b in bits) for r in range(radius + 1)
                 for bits in itertools.combinations(range(BAND_BITS), r))


def band_neighbours(band: int, radius: int) -> list[int]:
    """Every 16-bit value within `radius` differing bits of `band` (itself included)."""
    return [band ^ mask for mask in _masks(radius)]


def exact_up_to(band_radius: int) -> int:
    """The largest distance a lookup with this per-band radius is guaranteed to find (pigeonhole)."""
    return BANDS * (band_radius + 1) - 1


def phash_candidates(
    value: int, *, max_distance: int, exclude_problem_id: int | None = None, band_radius: int | None = None
) -> QuerySet:
    """The (problem_id, signed phash) rows that may lie within `max_distance`: one query, four index probes."""
    from renju.problems.models import Photo

    radius = max_distance // BANDS if band_radius is None else band_radius
    table = Photo._meta.db_table
    postgres = connection.vendor == "postgresql"
    base = Photo.objects.order_by()
    if exclude_problem_id is not None:
        base = base.exclude(problem_id=exclude_problem_id)
    if postgres:
        # Let the database drop the candidates that share a band but are too far apart over the whole hash, so only
        # real matches travel back (bit_count of the XOR, read from the index).
        distance = RawSQL(f'bit_count(({table}."phash" # %s)::bit(64))', (to_signed(value),),
                          output_field=IntegerField())
        base = base.alias(phash_distance=distance).filter(phash_distance__lte=max_distance)
    parts = []
    for field, band in zip(BAND_FIELDS, hash_bands(value), strict=True):
        values = band_neighbours(band, radius)
        if postgres:  # one array parameter instead of 137 literals: less to build, send and parse
            part = base.filter(RawSQL(f'{table}."{field}" = ANY(%s)', (values,), output_field=BooleanField()))
        else:
            part = base.filter(**{f"{field}__in": values})
        parts.append(part.values_list("problem_id", "phash"))
    return parts[0].union(*parts[1:], all=True)


def _fetch(candidates: QuerySet) -> list[tuple[int, int]]:
    if connection.vendor != "postgresql":
        return list(candidates)
    # PostgreSQL would run the four index scans as a Parallel Append, and starting its workers costs more (~7 ms
    # measured on 2 cores) than the whole query without them (~3 ms): parallelism off for this one query only.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        rows = list(candidates)
        cursor.execute("SET LOCAL max_parallel_workers_per_gather TO DEFAULT")
    return rows


def phash_lookup(
    value: int, *, max_distance: int, exclude_problem_id: int | None = None, band_radius: int | None = None,
    limit: int = MATCH_LIMIT,
) -> list[PhashMatch]:
    """Problems (other than `exclude_problem_id`) with a photo whose hash is within `max_distance` bits of `value`,
    nearest first, each with that photo. One query for the candidates (on PostgreSQL between two SETs, see `_fetch`),
    one more for the photos and the problems' numbers when there are matches (the candidates are read from the
    indexes alone, which do not hold the photo id)."""
    from renju.problems.models import Photo

    nearest: dict[int, tuple[int, int]] = {}  # problem id -> (distance, stored signed hash)
    for problem_id, stored in _fetch(phash_candidates(value, max_distance=max_distance,
                                                      exclude_problem_id=exclude_problem_id, band_radius=band_radius)):
        distance = (to_unsigned(stored) ^ value).bit_count()
        if distance <= max_distance and distance < nearest.get(problem_id, (HASH_BITS + 1, 0))[0]:
            nearest[problem_id] = (distance, stored)
    if not nearest:
        return []
    chosen = sorted(nearest.items(), key=lambda item: (item[1][0], item[0]))[:limit]
    photos: dict[int, tuple[int, str]] = {}
    rows = (Photo.objects.filter(problem_id__in=[pid for pid, _ in chosen], phash__in={h for _, (_, h) in chosen})
            .order_by("-id").values_list("id", "problem_id", "phash", "problem__number"))
    for photo_id, problem_id, stored, number in rows:
        if stored == nearest[problem_id][1]:
            photos[problem_id] = (photo_id, number)  # the earliest such photo wins: rows come newest first
    return [PhashMatch(problem_id=pid, number=photos.get(pid, (None, ""))[1], distance=d,
                       photo_id=photos.get(pid, (None, ""))[0]) for pid, (d, _) in chosen]


def phash_of_bytes(data: bytes) -> int | None:
    """The hash of a stored file, as `photo_prepare` computes it for an upload (None if it is not a readable image)."""
    from renju.problems.photos import upright_small

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return phash_of_image(upright_small(image))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
